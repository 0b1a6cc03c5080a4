"""The raw pieces a container walker pulls out of an image, before any interpretation."""

from __future__ import annotations

from dataclasses import dataclass, field

from audits.core.findings import FindingLog
from audits.signals.images.codes import CODES

MAX_STRUCTURES = 20_000
"""Segments or chunks walked per file; more is treated as malformed."""
MAX_METADATA_BYTES = 4 * 1024 * 1024
"""XMP or JUMBF bytes kept per file (after reassembly or decompression)."""


@dataclass
class Walk:
    """What one walk found: XMP packets, JUMBF stores, and where reading stopped."""

    log: FindingLog = field(default_factory=lambda: FindingLog(CODES))
    xmp: list[bytes] = field(default_factory=list)
    extended: list[tuple[str, int, int, bytes]] = field(default_factory=list)
    """Extended XMP parts (JPEG only): GUID, full length, offset, data."""
    jumbf: list[bytes] = field(default_factory=list)
    container: str = ""
    complete: bool = False
    """The walk reached the point after which the format carries no more metadata."""
    resume_at: int | None = None
    """Offset of the first structure not in the fetched bytes, when the walk ran out."""
    kept: int = 0

    def keep(self, size: int) -> bool:
        """Account for ``size`` metadata bytes; False once the per-file bound is passed."""
        self.kept += size
        if self.kept > MAX_METADATA_BYTES:
            self.log.add(
                "image-malformed",
                f"more than {MAX_METADATA_BYTES} bytes of metadata; the rest was not read",
            )
            return False
        return True

    def ran_out(self, offset: int, beyond_file: bool, what: str) -> None:
        """The bytes ended at ``offset``: truncated file, or just not fetched yet."""
        if beyond_file:
            self.log.add("image-truncated", f"the file ends inside {what}", evidence=f"@{offset}")
        else:
            self.resume_at = offset
