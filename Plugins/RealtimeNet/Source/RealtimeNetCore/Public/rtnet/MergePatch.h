// RFC 7396 JSON Merge Patch: apply, and compose two patches into one where that is possible.
// The same semantics as Tools/realtimenet/state/merge_patch.py, pinned by protocol/vectors/merge_patch.json.
#pragma once

#include "rtnet/Export.h"

#include <optional>

#include "rtnet/Value.h"

namespace rtnet {

/// Applies `patch` to `target` (RFC 7396 section 2) and returns the new document; inputs untouched.
RTNET_API Value MergePatch(const Value& target, const Value& patch);

/// The single merge patch `c` with MergePatch(MergePatch(t, first), second) == MergePatch(t, c) for
/// every document `t`, or no value when none exists.
///
/// Merge patches are not closed under composition: where `first` deletes a member or sets it to a
/// non-object and `second` then patches that member with an object, the result there is "exactly this
/// object", which a merge patch cannot say without the base document. The caller then applies the
/// patches in order (or asks for a snapshot). As in Python, a null `second` composes to null, which is a
/// value here (not "none"); room state patches are always objects.
RTNET_API std::optional<Value> Compose(const Value& first, const Value& second);

}  // namespace rtnet
