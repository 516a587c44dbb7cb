"""Archive packages of closed cases: export, verification without the database, retention
and destruction (docs/archives.md).

`export_case` / `export_range` write one package per ended case (metadata, the notices as
printed, the attached material files, the audit extract with its hash chain, a manifest with
the SHA-256 of every file) and record it with its retention term; `verify_package` proves a
package complete and unaltered from its files alone; `destroy_package` removes a package
whose term ended after two different people appraised it, leaving a destruction record.
"""

from __future__ import annotations

from jingban.archive.export import (
    Exported,
    NoticeRenderer,
    destroy_package,
    export_case,
    export_range,
)
from jingban.archive.package import MaterialFile, PrintedNotice, Written, write_package
from jingban.archive.verify import manifest_digest, read_manifest, verify_package

__all__ = [
    "Exported",
    "MaterialFile",
    "NoticeRenderer",
    "PrintedNotice",
    "Written",
    "destroy_package",
    "export_case",
    "export_range",
    "manifest_digest",
    "read_manifest",
    "verify_package",
    "write_package",
]
