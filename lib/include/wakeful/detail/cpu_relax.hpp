#pragma once

namespace wakeful::detail {

/// Tells the CPU that the caller is spinning on a value another core will change: on x86 the
/// `pause` instruction, which saves power and a pipeline flush when the spin ends. Elsewhere,
/// nothing.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace wakeful::detail
