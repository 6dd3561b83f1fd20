"""Output files and folders that are either complete or absent (docs/errors.md, "Where files go").

Every command writes its files through this module:

- :func:`write_text_atomic` / :func:`write_bytes_atomic` / :func:`atomic_path`: one file, written
  to a temporary file beside the target and renamed onto it (a reader never sees half a file).
- :class:`Outputs`: what a command will write, declared *before* it computes anything.
  ``outputs.file(path, flag=...)`` and ``outputs.folder(path, flag=...)`` check the path at once
  (an unusable path is an :class:`~ldmstop.errors.OutputPathError`, exit status 2, before any
  work) and return the temporary location to write into; the whole *set* is moved into place
  when the ``with`` block ends normally, and removed if it ends by an exception or Ctrl-C.

A folder that does not exist yet is built as a temporary folder beside it and renamed into
place in one step. A folder that already exists (it may hold the user's own files, which are
left alone) is built as a temporary folder inside it; once complete, that folder is renamed to
a *commit* folder (the mark that the set is whole) and its files are renamed into place, the
files named ``last`` (the report that links the figures) last. Should the process die in those
few renames, the next ldmstop command that writes there completes them first.

Temporaries are named ``.ldmstop-tmp-<host>-<pid>-<random>-<name>`` (commit folders
``.ldmstop-commit-…``). A process killed outright (SIGKILL) cannot remove its own; the next
command writing to the same place removes those of processes that no longer exist on this host
(and any older than a week from another host). Nothing else is ever removed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import socket
import stat
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

from .errors import OutputPathError

__all__ = ["write_text_atomic", "write_bytes_atomic", "atomic_path", "Outputs", "check_output_file",
           "check_output_folder", "figure_format", "FIGURE_FORMATS", "TMP_PREFIX", "COMMIT_PREFIX",
           "clean_stale"]

TMP_PREFIX = ".ldmstop-tmp-"
COMMIT_PREFIX = ".ldmstop-commit-"
#: figure formats by file extension (what matplotlib writes without extra dependencies and a
#: paper takes); anything else is refused before the work starts
FIGURE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
#: temporaries of another host are only removed when older than this (their process may live)
_FOREIGN_AGE_S = 7 * 24 * 3600


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def _tmp_name(prefix: str, name: str = "") -> str:
    return f"{prefix}{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}" + (f"-{name}" if name else "")


def _umask() -> int:
    u = os.umask(0)
    os.umask(u)
    return u


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _stale(entry: os.DirEntry) -> bool:
    """Whether a temporary of ours (by name) belongs to a process that is gone."""
    rest = entry.name.split("-tmp-", 1)[-1] if entry.name.startswith(TMP_PREFIX) else \
        entry.name[len(COMMIT_PREFIX):]
    parts = rest.split("-")
    if len(parts) < 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host == _host_tag():
        return pid != os.getpid() and not _alive(pid)
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > _FOREIGN_AGE_S
    except OSError:
        return False


def clean_stale(folder: str) -> list[str]:
    """Remove stale ldmstop temporaries in ``folder`` (complete pending commits first); returns
    what was removed or completed. Errors are ignored: cleaning is a courtesy, never a failure."""
    done = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return done
    for e in entries:
        try:
            if e.name.startswith(COMMIT_PREFIX) and e.is_dir(follow_symlinks=False) and _stale(e):
                _move_into(e.path, folder, last=())
                shutil.rmtree(e.path, ignore_errors=True)
                done.append(e.path)
            elif e.name.startswith(TMP_PREFIX) and _stale(e):
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path, ignore_errors=True)
                else:
                    os.unlink(e.path)
                done.append(e.path)
        except OSError:
            continue
    return done


def figure_format(path: str, flag: str = "path") -> str:
    """matplotlib's format name for ``path``'s extension (png, pdf, svg), or OutputPathError."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FIGURE_FORMATS:
        shown = ext or "no extension"
        raise OutputPathError(f"{flag} {os.fspath(path)!r}: unsupported figure format ({shown}); "
                              f"name the file .png, .pdf or .svg")
    return FIGURE_FORMATS[ext]


def _nearest_existing(path: str) -> str:
    probe = path
    while not os.path.lexists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return probe


def check_output_file(path: str | os.PathLike, *, flag: str = "path",
                      formats: dict | None = None) -> str:
    """Check that ``path`` can be written as a regular file (without writing anything) and
    return its absolute, symlink-resolved form. ``formats``: allowed extensions (e.g.
    :data:`FIGURE_FORMATS`). Raises :class:`OutputPathError` naming ``flag``."""
    p = os.fspath(path)
    if not p:
        raise OutputPathError(f"{flag} is empty: give a file name")
    if formats is FIGURE_FORMATS:
        figure_format(p, flag)
    elif formats is not None:
        ext = os.path.splitext(p)[1].lower()
        if ext not in formats:
            raise OutputPathError(f"{flag} {p!r}: unsupported extension; use "
                                  + ", ".join(sorted(formats)))
    target = os.path.realpath(p)
    if os.path.isdir(target):
        raise OutputPathError(f"{flag} {p!r} is a folder; give a file name")
    if os.path.lexists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        raise OutputPathError(f"{flag} {p!r} exists and is not a regular file")
    folder = os.path.dirname(target)
    near = _nearest_existing(folder)
    if not os.path.isdir(near):
        raise OutputPathError(f"{flag} {p!r}: {near!r} is not a folder")
    if near != folder:
        raise OutputPathError(f"{flag} {p!r}: folder {os.path.dirname(p) or '.'!r} does not exist")
    return target


def check_output_folder(path: str | os.PathLike, *, flag: str = "path") -> str:
    """Check that ``path`` is, or can be created as, a folder (nothing is created); return its
    absolute form. Raises :class:`OutputPathError` naming ``flag``."""
    p = os.fspath(path)
    if not p:
        raise OutputPathError(f"{flag} is empty: give a folder")
    target = os.path.abspath(p)
    if os.path.lexists(target) and not os.path.isdir(target):
        raise OutputPathError(f"{flag} {p!r} exists and is not a folder")
    near = _nearest_existing(target)
    if not os.path.isdir(near):
        raise OutputPathError(f"{flag} {p!r}: {near!r} is not a folder")
    return os.path.realpath(target)


def _probe_error(flag: str, shown: str, exc: OSError) -> OutputPathError:
    return OutputPathError(f"{flag} {shown!r} cannot be written: {exc.strerror or exc}")


def _move_into(src_dir: str, dst_dir: str, last: tuple[str, ...]) -> list[str]:
    """Rename every file under ``src_dir`` to the same relative place under ``dst_dir`` (folders
    created as needed), the relative paths in ``last`` after all others. Returns the targets."""
    files = []
    for root, _, names in os.walk(src_dir):
        for n in names:
            files.append(os.path.relpath(os.path.join(root, n), src_dir))
    files.sort(key=lambda r: (r in last, last.index(r) if r in last else 0, r))
    out = []
    for rel in files:
        dst = os.path.join(dst_dir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.replace(os.path.join(src_dir, rel), dst)
        except FileNotFoundError:  # completed by someone else already
            continue
        out.append(dst)
    return out


def _fix_modes(top: str, umask: int) -> None:
    """Give what mkstemp/mkdtemp created private (0600/0700) the modes a plain open() and
    mkdir() would have given: outputs are for sharing."""
    for root, dirs, names in os.walk(top):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o777 & ~umask)
        for n in names:
            p = os.path.join(root, n)
            if stat.S_IMODE(os.stat(p).st_mode) == 0o600:
                os.chmod(p, 0o666 & ~umask)
    os.chmod(top, 0o777 & ~umask)


class _File:
    def __init__(self, target: str, shown: str, flag: str):
        self.target, self.shown, self.flag = target, shown, flag
        folder, base = os.path.split(target)
        clean_stale(folder)
        self.tmp = os.path.join(folder, _tmp_name(TMP_PREFIX, base))
        try:
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        except OSError as exc:  # what os.access cannot tell (root, read-only file systems)
            raise _probe_error(flag, shown, exc) from None

    def commit(self, umask: int) -> list[str]:
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.target)
        return [self.target]

    def discard(self) -> None:
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


class _Folder:
    def __init__(self, target: str, shown: str, flag: str, last: tuple[str, ...]):
        self.target, self.shown, self.flag, self.last = target, shown, flag, last
        self.created: list[str] = []
        self.exists = os.path.isdir(target)
        try:
            if self.exists:
                clean_stale(target)
                self.tmp = os.path.join(target, _tmp_name(TMP_PREFIX))
                os.mkdir(self.tmp, 0o700)
            else:
                parent = os.path.dirname(target)
                missing = []
                p = parent
                while not os.path.exists(p):
                    missing.append(p)
                    p = os.path.dirname(p)
                for m in reversed(missing):
                    os.mkdir(m)
                    self.created.append(m)
                clean_stale(parent)
                self.tmp = os.path.join(parent, _tmp_name(TMP_PREFIX, os.path.basename(target)))
                os.mkdir(self.tmp, 0o700)
        except OSError as exc:
            self._remove_created()
            raise _probe_error(flag, shown, exc) from None

    def _remove_created(self) -> None:
        for m in reversed(self.created):
            try:
                os.rmdir(m)
            except OSError:
                pass
        self.created = []

    def commit(self, umask: int) -> list[str]:
        _fix_modes(self.tmp, umask)
        if not self.exists:
            try:
                os.rename(self.tmp, self.target)  # the whole set appears at once
                return [os.path.join(r, n) for r, _, ns in os.walk(self.target) for n in ns]
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                    raise
                # created meanwhile by someone else: merge into it below
                inner = os.path.join(self.target, _tmp_name(TMP_PREFIX))
                os.rename(self.tmp, inner)
                self.tmp = inner
        clean_stale(self.target)  # an older interrupted commit goes first
        marked = os.path.join(self.target, COMMIT_PREFIX + os.path.basename(self.tmp)[len(TMP_PREFIX):])
        os.rename(self.tmp, marked)  # the set is complete: from here on it is rolled forward
        written = _move_into(marked, self.target, self.last)
        shutil.rmtree(marked, ignore_errors=True)
        return written

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._remove_created()


class Outputs:
    """The files and folders a command writes, checked up front and published together.

    >>> with Outputs() as out:                                  # doctest: +SKIP
    ...     fig = out.file(args.plot, flag="--plot", formats=FIGURE_FORMATS)   # checked now
    ...     rep = out.folder(args.out, flag="--out", last=("report.md",))
    ...     ...compute..., write to ``fig`` and into ``rep``...
    ... # all of it is in place here; on an exception or Ctrl-C nothing was published

    ``file``/``folder`` accept ``None`` (no such output) and then return ``None``. After the
    block, :attr:`written` lists the published paths.
    """

    def __init__(self):
        self._items: list = []
        self.written: list[str] = []

    def file(self, path, *, flag: str, formats: dict | None = None) -> str | None:
        """Reserve the file ``path``; returns the temporary path to write (same extension)."""
        if path is None:
            return None
        target = check_output_file(path, flag=flag, formats=formats)
        item = _File(target, os.fspath(path), flag)
        self._items.append(item)
        return item.tmp

    def folder(self, path, *, flag: str, last: tuple[str, ...] = ()) -> str | None:
        """Reserve the folder ``path``; returns the temporary folder to write the set into.
        ``last``: paths relative to the folder published after every other file."""
        if path is None:
            return None
        target = check_output_folder(path, flag=flag)
        item = _Folder(target, os.fspath(path), flag, tuple(last))
        self._items.append(item)
        return item.tmp

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.discard()
            return False
        self.commit()
        return False

    def commit(self) -> list[str]:
        umask = _umask()
        try:
            while self._items:
                self.written += self._items[0].commit(umask)
                self._items.pop(0)
        except BaseException:
            self.discard()
            raise
        return self.written

    def discard(self) -> None:
        for item in self._items:
            item.discard()
        self._items = []


def _with_filename(exc: OSError, path: str) -> OSError:
    if exc.filename is None:
        exc.filename = path
    return exc


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    The folder is created if needed. An ``OSError`` while writing carries ``path`` as its file
    name (the command line reports it as a failed write of that file)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_tmp_name(TMP_PREFIX) + "-",
                                   suffix=suffix or os.path.splitext(path)[1], dir=folder)
        os.close(fd)
    except OSError as exc:
        raise _with_filename(exc, path) from None
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give a plain open()'s mode
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            _with_filename(exc, path)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
