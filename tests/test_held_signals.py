"""Stop signals held back while a command does what must not be cut in half."""

import os
import signal

import pytest

from arena.held_signals import signals_held


def test_a_stop_signal_that_came_meanwhile_is_raised_once_the_body_is_done():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held() as came:
            os.kill(os.getpid(), signal.SIGINT)
            done.append(list(came))
    assert done == [[signal.SIGINT]]  # the body ran to its end first


def test_what_the_body_raised_is_reported_rather_than_a_stop_that_came_meanwhile():
    # A full disk as a checkpoint is saved, with Ctrl-C pressed meanwhile: the user must read why it failed.
    with pytest.raises(OSError, match="No space left"):
        with signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            raise OSError(28, "No space left on device")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handlers are back


def test_a_notice_says_at_once_what_a_held_stop_will_do(capsys):
    with pytest.raises(KeyboardInterrupt):
        with signals_held("stopping at the end of the rollout under way, where the run is saved"):
            os.kill(os.getpid(), signal.SIGINT)
            assert capsys.readouterr().err == "stopping at the end of the rollout under way, where the run is saved\n"
            os.kill(os.getpid(), signal.SIGINT)  # said once
            assert capsys.readouterr().err == ""
