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


def test_a_second_stop_signal_stops_at_once_where_the_body_asks_it_to(capsys):
    """Ctrl-C pressed twice in a run that stops at the end of its rollout: the user wants out now."""
    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held("stopping at the end of the rollout under way", again="stopping now"):
            os.kill(os.getpid(), signal.SIGINT)
            done.append("held")
            os.kill(os.getpid(), signal.SIGINT)
            done.append("went on")
    assert done == ["held"]
    assert capsys.readouterr().err == "stopping at the end of the rollout under way\nstopping now\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handlers are back


def test_a_second_stop_signal_waits_for_what_is_held_inside_to_be_done():
    """A checkpoint being written is held on its own: a second Ctrl-C then stops once it is whole."""
    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held(again="stopping now") as came:
            with signals_held():  # writing a checkpoint
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)
                done.append("written")
            done.append(list(came))  # the first only: the run goes on to its stopping place
    assert done == ["written"]
