"""`lab demo`: every selected scenario run in the background (one worker per framework for all
of them) while the walk-through shows the lesson and the code, so the run is often finished by
the time the lecturer reaches it. The walk itself is lab/demo.py; its screens, lab/views/demo.py."""
from __future__ import annotations

import threading


class Background:
    """session.run_many on a thread, cancellable; each scenario's document is kept as it
    arrives, and progress goes to whatever `on_progress` is at the time (the board on screen)."""

    def __init__(self, names: list[str], **run_kwargs):
        self.cancel = threading.Event()
        self.docs: dict = {}  # scenario -> CompareDoc
        self.on_progress = None
        self.error: BaseException | None = None
        # Set when run_many returns: Thread.is_alive() can read False early when Ctrl-C lands
        # inside Thread.join (Python 3.11), so the main thread waits on this instead.
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(names, run_kwargs), daemon=True)
        self.thread.start()

    def _progress(self, *args) -> None:
        if self.on_progress is not None:
            self.on_progress(*args)

    def _run(self, names, run_kwargs):
        from lab import session
        try:
            session.run_many(names, on_progress=self._progress, cancel=self.cancel,
                             on_doc=lambda doc: self.docs.setdefault(doc.scenario, doc), **run_kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            self.error = exc
        finally:
            self.done.set()

    def wait(self, name: str):
        while name not in self.docs and not self.done.is_set():
            self.done.wait(0.1)
        if self.error:
            raise self.error
        # run_many assembles every scenario before it returns (placeholders when interrupted).
        return self.docs[name]

    def stop(self) -> None:
        """Stop the run and wait for its workers and scratch folder to be gone."""
        self.cancel.set()
        self.done.wait(10)
