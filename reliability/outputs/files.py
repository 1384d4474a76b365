"""Output files: checked before the first byte, written all or nothing, with the user's umask.

One run's outputs are a batch (``write_all``):

1. every target is checked (never over an input, never into a file posing as a folder);
2. stale temporary files and journals of earlier irrkit runs that were killed are swept (``sweep``);
3. every file is written in full to a temporary file beside its target (``.NAME.irrkit-PID-XXXXXXXX.tmp``,
   mode from the umask, or the mode of the file it replaces); a full disk or a read-only folder stops here,
   naming the target, and nothing is changed;
4. a journal naming the batch is written, then each temporary file is renamed over its target with SIGINT and
   SIGTERM held back; a failing rename restores the previous files (hard-linked backups), and a run killed
   in between (SIGKILL, power loss) is rolled back by the next irrkit run that writes into that folder;
5. appends (``$GITHUB_STEP_SUMMARY``) are written last, still inside the batch, with one O_APPEND write (so
   parallel steps lose nothing) and synced; a failing append is cut back to the file's previous size and the
   renamed files are put back, so the batch is still all or nothing.

A target that cannot be written raises ``OutputError`` (an ``InputError``: exit 2): nothing was written, and
the command writes no problem report either (the report would be a file written by a failed run).
An existing round record of a training history (``round-NNN-NAME.json``) is never a target: the history is
append-only.

Append-only records (the training history) are numbered and written inside the batch under a lock of their
folder: parallel runs get consecutive numbers and a record is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from irrkit.errors import InputError

TMP = re.compile(r"\.(?P<name>.+)\.irrkit-(?P<pid>\d+)-[0-9a-f]{8}\.(?:tmp|bak)")
OLD_TMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")  # tempfile.mkstemp names of irrkit <= 0.x
JOURNAL = re.compile(r"\.irrkit-batch-(?P<pid>\d+)-[0-9a-f]{8}\.json")
LOCK_NAME = ".irrkit.lock"
OLD_TMP_AGE = 600.0  # seconds: an old-pattern temp file this old belongs to no running write
MAX_TMP_AGE = 86400.0  # seconds: a temp file of a live pid this old is stale anyway (pid reused)

ROUND_RECORD = re.compile(r"round-\d{3,}-.+\.json")  # a training history's record (workflows.training.ROUND_FILE)

# (folder, callback) -> the callback runs under the folder's lock and returns (files, exclusive targets)
Locked = tuple[Path, Callable[[], tuple[Mapping[Path, str], Iterable[Path]]]]


# ----------------------------------------------------------------------------------------------- checks


class OutputError(InputError):
    """An output could not be written (a read-only folder, a full disk, a round recorded meanwhile): exit 2, and
    nothing was written, not even a problem report."""


def check_targets(targets: Iterable[Path], inputs: Iterable[Path | str],
                  options: dict[Path, str] | None = None) -> None:
    """Refuse to write any output over an input file, over a folder, into a 'folder' that is a file, or
    twice; called before anything is written. ``options``: the option that named each target (the message
    names it; default ``--out``)."""
    ins = {_resolve(Path(p)) for p in inputs}
    seen: set[Path] = set()
    for t in targets:
        r = _resolve(t)
        if r in ins:
            opt = (options or {}).get(t, "--out")
            raise InputError.single(str(t), f"refusing to write an output over an input file; choose another {opt}")
        if r in seen:
            raise InputError.single(str(t), "the same output file is named twice")
        seen.add(r)
        if ROUND_RECORD.fullmatch(t.name) and t.is_file():
            raise InputError.single(str(t), "is a round record of a training history, which is append-only: "
                                    "refusing to overwrite it; choose another output file")
        if t.is_dir():
            raise InputError.single(str(t), "is a folder; cannot write an output file there")
        parent = next((a for a in t.parents if a.exists()), None)
        if parent is not None and not parent.is_dir():
            raise InputError.single(str(parent), "is a file, not a folder; cannot write outputs into it")


def _resolve(p: Path) -> Path:
    try:
        return p.resolve()
    except (RuntimeError, OSError) as e:  # a symlink loop (RuntimeError before Python 3.13)
        loop = isinstance(e, RuntimeError) or getattr(e, "errno", None) == errno.ELOOP
        raise InputError.single(str(p), "symbolic link loop (the link points back to itself)" if loop else
                                f"cannot be resolved ({e})") from None


def same_file(a: Path | str, b: Path | str) -> bool:
    """True when two spellings name the same file (resolved paths)."""
    return _resolve(Path(a)) == _resolve(Path(b))


def is_step_summary(path: Path) -> bool:
    """True when ``path`` is GitHub's ``$GITHUB_STEP_SUMMARY`` file (appended to, never replaced)."""
    env = os.environ.get("GITHUB_STEP_SUMMARY")
    return bool(env) and same_file(path, env)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------- errors


def _failed(target: Path, e: OSError, what: str = "cannot write") -> OutputError:
    """An OSError while writing ``target``, named by the target (or its folder), not by a temp file."""
    reason = e.strerror or str(e)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and not target.exists():
        return OutputError.single(str(target.parent), f"folder is not writable ({reason}): cannot write "
                                  f"{target.name} there; nothing was written")
    if e.errno == errno.ELOOP:
        return OutputError.single(str(target), "is a symlink loop; nothing was written")
    return OutputError.single(str(target), f"{what}: {reason}; nothing was written")


# ----------------------------------------------------------------------------------------------- temp files


def _token() -> str:
    """8 random hex digits of a temporary name (secrets loads hashlib: imported only when a file is written)."""
    import secrets

    return secrets.token_hex(4)


def _tmp_name(path: Path, kind: str = "tmp") -> Path:
    return path.parent / f".{path.name}.irrkit-{os.getpid()}-{_token()}.{kind}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a system without kill(0): treat as running
    return True


def _stale(p: Path, pid: int | None) -> bool:
    try:
        age = time.time() - p.lstat().st_mtime
    except OSError:
        return False
    if pid is None:
        return age > OLD_TMP_AGE
    return not _alive(pid) or age > MAX_TMP_AGE


def sweep(folders: Iterable[Path]) -> list[Path]:
    """Roll back the batches of killed runs (journals) and remove stale temporary files of irrkit's own
    patterns in ``folders``; returns what was removed. Files of running irrkit processes are left alone."""
    removed: list[Path] = []
    for folder in dict.fromkeys(folders):
        try:
            names = [p for p in folder.iterdir() if p.name.startswith(".")]
        except OSError:
            continue
        for p in names:
            if (m := JOURNAL.fullmatch(p.name)) and _stale(p, int(m.group("pid"))):
                _recover(p)
                removed.append(p)
        for p in names:
            m = TMP.fullmatch(p.name)
            old = None if m else OLD_TMP.fullmatch(p.name)
            if (m and _stale(p, int(m.group("pid")))) or (old and _stale(p, None)):
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


def _recover(journal: Path) -> None:
    """Undo a batch whose run was killed between its renames: the previous files come back."""
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        entries = []
    for e in entries:
        tmp, target, backup = Path(e["tmp"]), Path(e["target"]), e.get("backup")
        with contextlib.suppress(OSError):
            if not tmp.exists():  # renamed: put the previous file back (or remove a new one)
                if backup and Path(backup).exists():
                    os.replace(backup, target)
                elif not e.get("existed"):
                    target.unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)
            if backup:
                Path(backup).unlink(missing_ok=True)
    journal.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------- staging


def _ensure_folder(folder: Path, created: list[Path]) -> None:
    missing = [folder, *folder.parents]
    missing = [p for p in missing if not p.exists()]
    for p in reversed(missing):
        try:
            p.mkdir()
        except FileExistsError:
            continue
        except OSError as e:
            raise OutputError.single(str(p), f"cannot create this folder ({e.strerror or e}); nothing was "
                                     "written") from None
        created.append(p)


def _stage(path: Path, text: str | bytes, staged: list[tuple[Path, Path]]) -> None:
    """Write ``text`` (UTF-8; bytes as they are: images, .docx) in full
    to a synced temporary file beside ``path``, mode from the umask or the
    mode of the file it replaces. The name is recorded in ``staged`` before the file exists, so an interrupt
    at any point leaves nothing the caller does not remove."""
    tmp = _tmp_name(path)
    staged.append((tmp, path))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise _failed(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            with contextlib.suppress(FileNotFoundError):
                mode = stat.S_IMODE(os.stat(path).st_mode)  # keep the mode of the file replaced
                os.chmod(tmp, mode)
            f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise _failed(path, e) from None


def _discard(staged: Iterable[tuple[Path, Path]]) -> None:
    for tmp, _ in staged:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (the renames of a batch are not torn apart): their
    handlers are swapped for a recorder (a signal mask would not do: the kernel may deliver the signal to
    another thread, e.g. a BLAS worker, and Python then runs the handler in the main thread at once)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    held = [s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None]
    old = {s: signal.getsignal(s) for s in held}
    for s in held:
        signal.signal(s, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if got:
            h = old[got[0]]
            if callable(h):
                h(got[0], None)
            elif h == signal.SIG_DFL and got[0] == signal.SIGINT:
                raise KeyboardInterrupt
            elif h == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])  # the default action, now that the batch is whole


def _commit(staged: list[tuple[Path, Path]], exclusive: set[Path], appends: Mapping[Path, str]) -> None:
    """Rename every staged file over its target, then append ``appends``; on any failure put the previous files
    back (and a failed append is cut back by ``append_text``)."""
    if not staged:
        with _signals_held():
            for path, text in appends.items():
                append_text(path, text)
        return
    jdir = next((t.parent for _, t in staged if t.absolute() in exclusive), staged[0][1].parent)
    journal = jdir / f".irrkit-batch-{os.getpid()}-{_token()}.json"
    entries = [{"tmp": str(tmp.absolute()), "target": str(t.absolute()), "existed": os.path.lexists(t),
                "backup": str(_tmp_name(t, "bak").absolute())
                if os.path.lexists(t) and t.absolute() not in exclusive else None} for tmp, t in staged]
    done: list[dict] = []
    jtmp: list[tuple[Path, Path]] = []
    with _signals_held():
        try:
            _stage(journal, json.dumps({"entries": entries}), jtmp)
            os.replace(jtmp[0][0], journal)
            for e in entries:
                if e["backup"]:
                    try:
                        os.link(e["target"], e["backup"])
                    except OSError:
                        e["backup"] = None  # no hard links here: this file cannot be restored
            for e in entries:
                target = Path(e["target"])
                if target in exclusive and os.path.lexists(target):
                    raise OutputError.single(str(target), "appeared meanwhile; the history is append-only: "
                                            "refusing to overwrite; nothing was written")
                try:
                    os.replace(e["tmp"], target)
                except OSError as err:
                    raise _failed(target, err) from None
                done.append(e)
            for path, text in appends.items():  # last, while the previous files can still come back
                append_text(path, text)
        except BaseException:
            for e in reversed(done):
                with contextlib.suppress(OSError):
                    if e["backup"]:
                        os.replace(e["backup"], e["target"])
                    elif not e["existed"]:
                        os.unlink(e["target"])
            raise
        finally:
            for e in entries:
                for k in ("tmp", "backup"):
                    if e[k]:
                        with contextlib.suppress(OSError):
                            os.unlink(e[k])
            _discard(jtmp)
            with contextlib.suppress(OSError):
                journal.unlink()


# ----------------------------------------------------------------------------------------------- locks

_thread_locks: dict[Path, threading.Lock] = {}


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float = 60.0) -> Iterator[None]:
    """An exclusive lock of ``folder`` among irrkit processes and threads (flock of the folder; a
    create-exclusive ``.irrkit.lock.d`` folder where flock is missing)."""
    tl = _thread_locks.setdefault(_resolve(folder), threading.Lock())
    with tl:
        try:
            import fcntl
        except ImportError:  # Windows: a lock folder, created exclusively
            d, start = folder / (LOCK_NAME + ".d"), time.monotonic()
            while True:
                try:
                    d.mkdir()
                    break
                except FileExistsError:
                    if time.monotonic() - start > timeout:
                        raise OutputError.single(str(d), "is held by another irrkit run (remove it if none "
                                                "is running)") from None
                    time.sleep(0.05)
                except OSError as e:
                    raise _failed(d, e, "cannot lock the folder") from None
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    d.rmdir()
            return
        try:  # the folder itself is locked: no lock file is left in it
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as e:
            raise _failed(folder, e, "cannot lock the folder") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


# ----------------------------------------------------------------------------------------------- batches


def append_text(path: Path, text: str) -> None:
    """Append ``text`` with one O_APPEND write (parallel writers interleave whole sections, lose nothing);
    a blank line first when the file has content. Synced; on any failure the file is left as it was (cut back
    to its previous size, or removed when this call created it), unless another writer appended meanwhile."""
    existed = os.path.lexists(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise _failed(path, e) from None
    size, wrote = None, 0
    try:
        size = os.fstat(fd).st_size
        data = (("\n" if size else "") + text).encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            wrote += n
            view = view[n:]
        os.fsync(fd)
    except BaseException as e:
        _cut_back(path, fd, existed, size, wrote)
        os.close(fd)
        if isinstance(e, OSError):
            raise _failed(path, e, "cannot append") from None
        raise
    os.close(fd)


def _cut_back(path: Path, fd: int, existed: bool, size: int | None, wrote: int) -> None:
    """Undo a failed append: back to ``size`` bytes (or no file), if nobody else appended meanwhile."""
    with contextlib.suppress(OSError):
        if size is None or os.fstat(fd).st_size != size + wrote:
            return
        if not existed and size == 0:
            os.unlink(path)
            return
        if wrote:
            os.ftruncate(fd, size)
            os.fsync(fd)


def write_all(files: Mapping[Path, str | bytes], inputs: Iterable[Path | str] = (), *,
              appends: Mapping[Path, str] | None = None, locked: Locked | None = None) -> list[Path]:
    """Write one run's outputs all or nothing (see the module docstring): ``files`` replaced, ``appends``
    appended to after them, and the files a ``locked`` callback returns (run under its folder's lock, its
    exclusive targets never overwritten). Returns the paths written, in order."""
    inputs = list(inputs)
    appends = dict(appends or {})
    check_targets([*files, *appends], inputs)
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    done = False
    try:
        folders = [p.parent for p in files] + ([locked[0]] if locked else [])
        for folder in dict.fromkeys(folders):
            _ensure_folder(folder, created)
        sweep(folders)
        for path, text in files.items():
            _stage(path, text, staged)
        written = list(files)
        if locked is None:
            _commit(staged, set(), appends)
        else:
            folder, build = locked
            with folder_lock(folder):
                sweep([folder])
                try:
                    extra, exclusive = build()
                except OutputError:
                    raise
                except InputError as e:  # e.g. the same round recorded meanwhile: this batch cannot be written
                    raise OutputError(e.problems) from None
                extra = dict(extra)
                check_targets(extra, inputs)
                for path in extra:
                    if path in files:
                        _discard([s for s in staged if s[1] == path])
                        staged = [s for s in staged if s[1] != path]
                for path, text in extra.items():
                    _stage(path, text, staged)
                written += [p for p in extra if p not in files]
                _commit(staged, {p.absolute() for p in exclusive}, appends)
        done = True
    finally:
        _discard(staged)
        if not done:
            for p in reversed(created):
                with contextlib.suppress(OSError):
                    p.rmdir()
    return written + list(appends)


# ----------------------------------------------------------------------------------------------- signals


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI cancel or timeout), handled like Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def handle_sigterm() -> None:
    """Make SIGTERM interrupt like SIGINT (temporary files removed, no batch torn apart)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)


# ----------------------------------------------------------------------------------------------- gate files


def gate_outputs(junit: Path | None, junit_text: str, summary: Path | None,
                 summary_text: str) -> tuple[dict[Path, str], dict[Path, str]]:
    """The --junit and --summary outputs as (files replaced, files appended to): ``--summary`` replaces its
    file, except ``$GITHUB_STEP_SUMMARY`` (however spelled), which is appended to as GitHub expects."""
    files: dict[Path, str] = {}
    appends: dict[Path, str] = {}
    if junit is not None:
        files[junit] = junit_text
    if summary is not None:
        (appends if is_step_summary(summary) else files)[summary] = summary_text
    return files, appends
