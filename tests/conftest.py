"""Shared test helpers."""

import contextlib

import pytest


@pytest.fixture
def kill_after(monkeypatch):
    """``with kill_after(g): run(...)`` runs a GA that is killed right after generation ``g``'s
    checkpoint was written (a KeyboardInterrupt the block expects), as a crash would leave it."""
    from latentga.ga import checkpoint as ckpt

    @contextlib.contextmanager
    def killed(generation: int):
        real = ckpt.save_checkpoint

        def dying(path, **kw):
            real(path, **kw)
            if kw["generation"] == generation:
                raise KeyboardInterrupt

        monkeypatch.setattr(ckpt, "save_checkpoint", dying)
        try:
            with pytest.raises(KeyboardInterrupt):
                yield
        finally:
            monkeypatch.setattr(ckpt, "save_checkpoint", real)

    return killed
