// CancellationToken; the tree and its locking are described in wakeful/sync/cancellation_token.hpp.

#include "wakeful/sync/cancellation_token.hpp"

#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "wakeful/detail/mutex.hpp"

namespace wakeful {

namespace detail {

/// The lock of one tree of tokens.
struct CancelTree {
  Mutex mutex;
};

struct CancelNode : std::enable_shared_from_this<CancelNode> {
  explicit CancelNode(std::shared_ptr<CancelTree> tree_of) noexcept : tree(std::move(tree_of)) {}

  const std::shared_ptr<CancelTree> tree;
  std::atomic<std::size_t> handles{1};  // CancellationTokens on this node
  std::atomic<bool> cancelled{false};   // written under tree->mutex, read anywhere
  Notify notify;

  // Guarded by tree->mutex. A node is linked while it has handles and is not cancelled.
  CancelNode* parent = nullptr;
  std::vector<CancelNode*> children;
  std::size_t index_in_parent = 0;  // its place in parent->children
};

namespace {

void link_child(CancelNode* parent, CancelNode* child) {
  child->parent = parent;
  child->index_in_parent = parent->children.size();
  parent->children.push_back(child);
}

// Unlinks `child` from its parent: the last child takes its place.
void unlink_from_parent(CancelNode* child) noexcept {
  CancelNode* parent = child->parent;
  if (parent == nullptr) {
    return;
  }
  CancelNode* last = parent->children.back();
  parent->children[child->index_in_parent] = last;
  last->index_in_parent = child->index_in_parent;
  parent->children.pop_back();
  child->parent = nullptr;
}

}  // namespace

}  // namespace detail

CancellationToken::CancellationToken()
    : node_(std::make_shared<detail::CancelNode>(std::make_shared<detail::CancelTree>())) {}

CancellationToken::CancellationToken(const CancellationToken& other) noexcept : node_(other.node_) {
  if (node_) {
    node_->handles.fetch_add(1, std::memory_order_relaxed);
  }
}

CancellationToken& CancellationToken::operator=(const CancellationToken& other) noexcept {
  if (this != &other) {
    CancellationToken copy(other);
    *this = std::move(copy);
  }
  return *this;
}

CancellationToken& CancellationToken::operator=(CancellationToken&& other) noexcept {
  if (this != &other) {
    release();
    node_ = std::move(other.node_);
  }
  return *this;
}

CancellationToken::~CancellationToken() { release(); }

void CancellationToken::release() noexcept {
  if (!node_) {
    return;
  }
  if (node_->handles.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The last handle: nobody can cancel this node or make children of it any more. Its
    // children move up to its parent (or become roots).
    const std::lock_guard lock(node_->tree->mutex);
    detail::CancelNode* parent = node_->parent;
    detail::unlink_from_parent(node_.get());
    for (detail::CancelNode* child : node_->children) {
      child->parent = nullptr;
      if (parent != nullptr) {
        detail::link_child(parent, child);
      }
    }
    node_->children.clear();
  }
  node_.reset();
}

detail::CancelNode& CancellationToken::node() const {
  if (!node_) {
    throw std::logic_error("wakeful: CancellationToken used after being moved from");
  }
  return *node_;
}

CancellationToken CancellationToken::child_token() const {
  detail::CancelNode& parent = node();
  auto child = std::make_shared<detail::CancelNode>(parent.tree);
  const std::lock_guard lock(parent.tree->mutex);
  if (parent.cancelled.load(std::memory_order_relaxed)) {
    child->cancelled.store(true, std::memory_order_relaxed);  // born cancelled, in no tree
  } else {
    detail::link_child(&parent, child.get());
  }
  return CancellationToken(std::move(child));
}

void CancellationToken::cancel() const {
  detail::CancelNode& root = node();
  std::vector<std::shared_ptr<detail::CancelNode>> cancelled;
  {
    const std::lock_guard lock(root.tree->mutex);
    if (root.cancelled.load(std::memory_order_relaxed)) {
      return;
    }
    detail::unlink_from_parent(&root);
    // Every node of the subtree, each before its children. Linked nodes have handles, so they
    // are alive; the references keep them so until they are notified, after unlocking.
    cancelled.push_back(root.shared_from_this());
    for (std::size_t i = 0; i < cancelled.size(); ++i) {
      detail::CancelNode* node = cancelled[i].get();
      for (detail::CancelNode* child : node->children) {
        child->parent = nullptr;
        cancelled.push_back(child->shared_from_this());
      }
      node->children.clear();
    }
    // Children before their parents: whoever sees a token cancelled sees its whole subtree so.
    for (auto it = cancelled.rbegin(); it != cancelled.rend(); ++it) {
      (*it)->cancelled.store(true, std::memory_order_seq_cst);
    }
  }
  for (const std::shared_ptr<detail::CancelNode>& node : cancelled) {
    node->notify.notify_waiters();
  }
}

bool CancellationToken::is_cancelled() const { return node().cancelled.load(std::memory_order_seq_cst); }

WaitForCancellation CancellationToken::cancelled() const {
  (void)node();
  return WaitForCancellation(*this);
}

Poll<void> WaitForCancellation::poll(Context& cx) {
  pin_.polled();
  if (!notified_) {
    if (token_.is_cancelled()) {
      return Ready;
    }
    // The Notified first, then the flag again: a cancel between the two is seen by one of them.
    notified_.emplace(token_.node().notify.notified());
    if (token_.is_cancelled()) {
      return Ready;
    }
  }
  return notified_->poll(cx);
}

}  // namespace wakeful
