"""A byte view over the parts of a file that were fetched: the head and an optional tail."""

from __future__ import annotations


class Bytes:
    """The first bytes of a file plus, maybe, a later range of it (a second Range request).

    A tail that starts inside or right after the head is merged with it, so structures that
    straddle the two still read whole.
    """

    def __init__(
        self,
        head: bytes,
        tail: bytes | None = None,
        tail_offset: int | None = None,
        total_length: int | None = None,
    ) -> None:
        self.head = head
        self.tail = b""
        self.tail_offset = 0
        if tail and tail_offset is not None and tail_offset >= 0:
            if tail_offset <= len(head):
                self.head = head + tail[len(head) - tail_offset :]
            else:
                self.tail, self.tail_offset = tail, tail_offset
        self.total = total_length if total_length is not None else len(self.head)
        self.whole = not self.tail and len(self.head) >= self.total
        """Every byte of the file is here."""

    def read(self, offset: int, size: int) -> bytes | None:
        """``size`` bytes at ``offset``, or None when that range was not fetched."""
        end = offset + size
        if offset >= 0 and end <= len(self.head):
            return self.head[offset:end]
        start = offset - self.tail_offset
        if self.tail and start >= 0 and start + size <= len(self.tail):
            return self.tail[start : start + size]
        return None

    def beyond_file(self, offset: int) -> bool:
        """The offset lies past the end of the file: a structure that needs it is truncated."""
        return offset > self.total
