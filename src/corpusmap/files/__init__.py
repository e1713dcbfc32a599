"""Files written so that a reader never sees half of one.

Public API: `atomic_path`, `write_atomically`.
"""

from corpusmap.files.atomic import atomic_path, write_atomically

__all__ = ["atomic_path", "write_atomically"]
