"""The rules made ready in another process while ``gongkai check`` reads the files.

Reading a text PDF takes about 0.7 s; importing the rules, DuckDB and making the in-memory
warehouse (its schema, the rules' reference tables) about 0.3 s more, and evaluating them 0.2 s.
In a thread of the same process that preparation competes with the reading for the interpreter
lock; in a process forked before anything is read it runs on the other core, so ``check`` costs
little more than reading. The reports go to it pickled, the findings come back pickled.

Whatever goes wrong there (no ``fork`` on this platform, the process died, an exception) the
findings are made in this process instead, by the same :func:`expectations.check_reports`: the
answer is the same either way, only slower (``tests/test_cold_start.py`` holds them equal).
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import traceback

# how long the forked process may take to be ready (it takes about 0.3 s): a process forked
# while another thread held a lock it needs never is, and is then replaced by this one
READY_SECONDS = 60


def _serve(conn) -> None:
    """The forked process: prepare, wait for the reports, answer with their findings."""
    try:
        from expectations.evaluate import check_connection, check_reports

        con = check_connection()
        conn.send(("ready", None))
        reports = conn.recv()
        if reports is None:  # nothing was read: no findings asked for
            con.close()
            return
        conn.send(("findings", check_reports(reports, con=con)))
    except EOFError:  # the parent went away
        pass
    except BaseException as e:  # told to the parent, which checks in its own process
        try:
            conn.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
        except Exception:
            pass
    finally:
        conn.close()


class RulesAhead:
    """``RulesAhead()`` at the start of a check; ``.check_reports(reports)`` once the files
    are read (or ``.close()`` when none could be)."""

    def __init__(self) -> None:
        self._conn = self._process = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return  # checked in this process, after reading
        # both sides need pandas (Camelot reads with it, the rules' warehouse loads frames):
        # imported once, before the fork, it is not imported twice
        import pandas  # noqa: F401

        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child,), daemon=True,
                                    name="gongkai-rules")
        self._process.start()
        child.close()

    def check_reports(self, reports: list) -> list[list[dict]]:
        """One list of findings per report, as :func:`expectations.check_reports` says."""
        answer = None
        if self._conn is not None:
            try:
                answer = self._answer(READY_SECONDS)
                if answer[0] == "ready":
                    self._conn.send(reports)
                    answer = self._answer(None)
            except (EOFError, OSError, pickle.PicklingError, TimeoutError) as e:
                answer = ("error", f"{type(e).__name__}: {e}")
            finally:
                self.close()
        if answer is not None and answer[0] == "findings":
            return answer[1]
        if answer is not None:  # a bug there must not cost the findings: made here instead
            print(f"gongkai check: the rules' process failed ({answer[1].splitlines()[0]}); "
                  "checking in this process", file=sys.stderr)
        from expectations.evaluate import check_reports

        return check_reports(reports)

    def _answer(self, seconds: float | None) -> tuple[str, object]:
        """The process's next message; waits while it lives (at most ``seconds``)."""
        waited = 0.0
        while not self._conn.poll(0.5):
            waited += 0.5
            if not self._process.is_alive():
                raise EOFError("the rules' process ended without an answer")
            if seconds is not None and waited >= seconds:
                raise TimeoutError(f"the rules' process was not ready in {seconds} s")
        return self._conn.recv()

    def close(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.send(None)
        except OSError:
            pass
        self._conn.close()
        self._conn = None
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
