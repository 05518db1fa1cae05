// The source the tests' precompiled header is built with (tests/CMakeLists.txt): it needs a
// target of its own, and a target needs a source. Nothing else is here.
