"""The names `arena.train.loop` used to hold, for scripts that import them from here: the fighting league's run
is now `arena.train.fighting`, its env, pool and agent factories `arena.train.league`."""

from arena.train.fighting import build_model, train_fighter, warm_start
from arena.train.league import build_pool, make_env, make_vec_env, scripted_agent, submission_agent

__all__ = ["build_model", "train_fighter", "warm_start", "build_pool", "make_env", "make_vec_env", "scripted_agent",
           "submission_agent"]
