"""The keys of groups (groups/, lua/_groups.lua): a group's hash, its member sets, the index.

Part of the key map (keys.py): `Keys` inherits these methods, so callers still write
`get_keys().group(...)`. Each names a key under `<ns>:dj:group:`, or the `<ns>:dj:groups`
index.
"""

from __future__ import annotations


class GroupKeys:
    """Key names of groups; mixed into Keys, which supplies `prefix`."""

    __slots__ = ()
    prefix: str  # keys.key_prefix: `<ns>:`, or `{<ns>}:` under RESQUE["CLUSTER"]

    def group(self, group_id: str) -> str:
        """hash: a group's name, created_at, open, counts, parent, callbacks, fired and
        finished_at (groups/); group_create.lua, group_close.lua and _groups.lua write it."""
        return self.group_prefix() + group_id

    def group_prefix(self) -> str:
        """prefix `<ns>:dj:group:`; prefix .. id = group(id), and prefix .. id .. one of the
        suffixes below is one of its sets (scripts learn a group only from a payload)."""
        return self.prefix + "dj:group:"

    def group_pending(self, group_id: str) -> str:
        """set: ids of members not yet done (SADD at enqueue, SREM once done)."""
        return self.group(group_id) + ":pending"

    def group_failed(self, group_id: str) -> str:
        """set: ids of members that failed for good (a retry moves one back to pending)."""
        return self.group(group_id) + ":failed"

    def group_children(self, group_id: str) -> str:
        """set: ids of the groups created inside this group's members."""
        return self.group(group_id) + ":children"

    def group_open_children(self, group_id: str) -> str:
        """set: child groups not yet ended, which the group waits for."""
        return self.group(group_id) + ":open-children"

    def groups(self) -> str:
        """zset group id -> created (epoch): the admin's list (expired ids leave on read)."""
        return self.prefix + "dj:groups"
