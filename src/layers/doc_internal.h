// Shared between doc.cc (tree operations) and doc_index.cc (index maintenance and queries).
// Layout: include/strata/layers/doc.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/layers/doc.h"

namespace strata::layers::docdetail {

// Subspace tags under the store's subspace (on-disk format: never renumber).
inline constexpr int64_t kTagNodes = 0;
inline constexpr int64_t kTagIndexDefs = 1;
inline constexpr int64_t kTagIndexEntries = 2;
inline constexpr int64_t kTagBuildCursors = 3;

inline constexpr char kObjectValue = 'o';
inline constexpr char kArrayValue = 'a';

// A DocPath or pattern element; std::nullopt is the `?` wildcard (patterns only).
using PatternElement = std::optional<DocPath::Element>;
// Throws: invalid_input (3005) on malformed text, or a wildcard when !allowWildcard.
std::vector<PatternElement> parsePathText(std::string_view text, bool allowWildcard);

Tuple toTuple(const DocPath& path);
DocPath fromTuple(const Tuple& t, size_t from = 0);

// Node values: "o", "a" or Tuple{scalar}.pack().
// Throws: invalid_input (3005) for a JSON value that is not a scalar.
std::string encodeScalar(const nlohmann::json& value);
nlohmann::json decodeValue(std::string_view bytes);
bool isContainer(std::string_view bytes);
// The element a value index stores for a scalar node value / JSON scalar (numbers as doubles).
TupleElement indexElement(std::string_view encodedScalar);
TupleElement indexElementOfJson(const nlohmann::json& value);
nlohmann::json jsonOfIndexElement(const TupleElement& e);

struct IndexDef {
  IndexSpec spec;
  IndexState state = IndexState::kBuilding;
  std::vector<PatternElement> pattern;
  int documentDepth = 0;  // elements up to and including the last wildcard
};

// Index definitions as read by one transaction.
// Conflicts: the whole definitions range (see doc.h: index changes make writers retry).
std::vector<IndexDef> loadIndexes(Transaction& tr, const Subspace& defs, Snapshot snapshot);
std::optional<IndexDef> loadIndex(Transaction& tr, const Subspace& defs, std::string_view name);

// The one place where index entries follow document writes. Every node write or clear of a
// mutation calls onNodeWrite with the node's old and new encoded values (std::nullopt: absent).
// A later change feed or plugin API hooks in here.
class IndexMaintainer {
 public:
  IndexMaintainer(const Subspace& entries, std::vector<IndexDef> defs)
      : entries_(entries), defs_(std::move(defs)) {}
  // Whether some index could match `path` or a node below it: then callers must read old values
  // before replacing or clearing that subtree.
  [[nodiscard]] bool observesSubtree(const Tuple& path) const;
  void onNodeWrite(Transaction& tr, const Tuple& path, const std::optional<std::string>& oldValue,
                   const std::optional<std::string>& newValue) const;

 private:
  Subspace entries_;
  std::vector<IndexDef> defs_;
};

bool patternMatches(const std::vector<PatternElement>& pattern, const Tuple& path);
// The entry key of `path` (holding `encoded`, a scalar for value indexes) in index `def`.
std::string entryKey(const Subspace& entries, const IndexDef& def, const Tuple& path,
                     std::string_view encoded);

}  // namespace strata::layers::docdetail
