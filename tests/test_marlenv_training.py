"""rl2-style training loops on `arena.compat.marlenv`: the shapes of rl2's four snake examples, with tiny budgets.

Each loop is written the way rl2's workers drive marlenv (`make_snake`, `props.n_env`, `props.reorder`,
channels-last observations reordered for a torch network, the vector env restarting finished games)
and checks what came back: shapes, rewards that add up to the episode scores the final infos report,
and episodes that ended with marlenv's final info.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the training loops need torch: pip install -e ".[train]"')
from torch import nn  # noqa: E402

from arena.compat.marlenv import UnknownOptionWarning  # noqa: E402
from arena.compat.marlenv.wrappers import make_snake  # noqa: E402

@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Tiny networks: one thread is many times faster than several contending on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


FINAL_KEYS = {"rank", "episode_scores", "episode_steps", "episode_fruits", "episode_kills"}
FRUIT_ONLY = {"fruit": 1.0, "kill": 0.0, "lose": 0.0, "win": 0.0, "time": 0.0}


class Net(nn.Module):
    """A small conv torso with one head per output (policy logits and value, or Q-values)."""

    def __init__(self, obs_shape, outputs, reorder=True, high=1.0):
        super().__init__()
        h, w, c = obs_shape
        self.reorder, self.high = reorder, float(np.max(high))
        self.torso = nn.Sequential(nn.Conv2d(c, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * h * w, 64), nn.ReLU())
        self.heads = nn.ModuleList(nn.Linear(64, n) for n in outputs)

    def forward(self, obs):
        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32) / self.high
        if self.reorder:  # marlenv's observations are channels-last, torch convolutions channels-first
            x = x.permute(0, 3, 1, 2)
        z = self.torso(x)
        return [head(z) for head in self.heads]


class PPOAgent:
    """rl2's PPOAgent shape: act(obs) on a batch, step(obs, ac, rew, done, obs_) stores and trains every train_interval."""

    def __init__(self, obs_shape, ac_shape, props, n_env, train_interval=16, epochs=2, batch_size=32, gamma=0.99,
                 lam=0.95, clip=0.2, lr=1e-3):
        self.model = Net(obs_shape, (ac_shape[0], 1), reorder=props.reorder, high=props.high)
        self.optimizer = torch.optim.RMSprop(self.model.parameters(), lr=lr)
        self.n_env, self.train_interval, self.epochs, self.batch_size = n_env, train_interval, epochs, batch_size
        self.gamma, self.lam, self.clip = gamma, lam, clip
        self.buffer, self.losses, self.updates = [], [], 0

    def act(self, obs):
        with torch.no_grad():
            logits, value = self.model(obs)
            dist = torch.distributions.Categorical(logits=logits)
            action = dist.sample()
        self._last = (dist.log_prob(action).numpy(), value.squeeze(-1).numpy())
        return action.numpy()

    def step(self, obs, ac, rew, done, obs_):
        logp, value = self._last
        self.buffer.append((np.asarray(obs), np.asarray(ac), np.asarray(rew, np.float32),
                            np.asarray(done, np.float32), logp, value))
        if len(self.buffer) == self.train_interval:
            self.train(obs_)
            self.buffer = []

    def train(self, last_obs):
        obs, acs, rews, dones, logps, values = (np.stack(x) for x in zip(*self.buffer))
        with torch.no_grad():
            next_value = self.model(last_obs)[1].squeeze(-1).numpy()
        advantages, gae = np.zeros_like(rews), 0.0
        for t in reversed(range(len(rews))):
            following = next_value if t == len(rews) - 1 else values[t + 1]
            delta = rews[t] + self.gamma * following * (1 - dones[t]) - values[t]
            gae = delta + self.gamma * self.lam * (1 - dones[t]) * gae
            advantages[t] = gae
        returns = advantages + values
        self.updates += 1
        flat = [torch.as_tensor(x.reshape(-1, *x.shape[2:])) for x in (acs, logps, advantages, returns)]
        obs = obs.reshape(-1, *obs.shape[2:])
        for _ in range(self.epochs):
            for batch in np.array_split(np.random.permutation(len(obs)), max(1, len(obs) // self.batch_size)):
                logits, value = self.model(obs[batch])
                ac, old_logp, adv, ret = (x[batch] for x in flat)
                ratio = torch.exp(torch.distributions.Categorical(logits=logits).log_prob(ac) - old_logp)
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                policy = -torch.min(ratio * adv, ratio.clamp(1 - self.clip, 1 + self.clip) * adv).mean()
                loss = policy + 0.5 * ((value.squeeze(-1) - ret) ** 2).mean()
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.model.parameters(), 10.0)
                self.optimizer.step()
                self.losses.append(loss.item())


def parameters(agent):
    return torch.cat([p.detach().flatten().clone() for p in agent.model.parameters()])


def check_finals(finals, num_snakes):
    assert finals, "no episode ended"
    for info in finals:
        assert set(info) == FINAL_KEYS
        assert len(info["rank"]) == num_snakes and min(info["rank"]) == 1
        for key in FINAL_KEYS - {"rank"}:
            assert info[key].shape == (num_snakes,)
        best = info["episode_scores"].max()
        assert all((r == 1) == (s == best) for r, s in zip(info["rank"], info["episode_scores"]))


def test_single_snake_ppo_on_a_vector_env():
    """rl2's ppo_snake.py: one snake, 64 envs in the example (8 here), a 7 x 7 map, MaxStepWorker."""
    torch.manual_seed(0)
    env, obs_shape, ac_shape, props = make_snake(n_env=8, num_snakes=1, width=7, height=7, vision_range=5,
                                                 frame_stack=2, reward_dict=FRUIT_ONLY, num_fruits=6)
    env.seed(0)
    agent = PPOAgent(obs_shape, ac_shape, props, props.n_env)
    before = parameters(agent)
    obs = env.reset()
    assert obs.shape == (props.n_env, *obs_shape) == (8, 11, 11, 16) and props.reorder
    score, finals, episode_scores = np.zeros(props.n_env), [], []
    for _ in range(64):  # MaxStepWorker.rollout
        ac = agent.act(obs)
        obs_, rew, done, info = env.step(ac)
        assert obs_.shape == obs.shape and rew.shape == done.shape == (props.n_env,)
        agent.step(obs, ac, rew, done, obs_)
        score += rew
        for i in np.flatnonzero(done):
            finals.append(info[i])
            episode_scores.append(score[i])
            score[i] = 0
        obs = obs_
    check_finals(finals, 1)
    # With fruit the only reward, every reward lands while the snake lives: the worker's sums are the env's scores.
    assert [float(f["episode_scores"][0]) for f in finals] == episode_scores
    assert sum(episode_scores) > 0
    assert agent.updates == 64 // 16 and agent.losses and all(np.isfinite(agent.losses))
    assert not torch.equal(before, parameters(agent))


def test_multi_agent_ppo_one_learner_per_snake():
    """rl2's multi_ppo.py: N PPO agents on a vector env, agents' axis first (MAMaxStepWorker)."""
    torch.manual_seed(1)
    env, obs_shape, ac_shape, props = make_snake(n_env=4, num_snakes=3, height=12, width=12, frame_stack=2,
                                                 vision_range=3, num_fruits=8)
    env.seed(1)
    agents = [PPOAgent(obs_shape, ac_shape, props, props.n_env) for _ in range(props.num_snakes)]
    obs = np.array(env.reset()).swapaxes(0, 1)
    assert obs.shape == (3, 4, 7, 7, 16)
    score, finals, tallies = np.zeros((props.n_env, props.num_snakes)), [], []
    for _ in range(96):  # MultiAgentRolloutWorker.rollout
        acs = np.array([agent.act(o) for agent, o in zip(agents, obs)]).swapaxes(0, 1)
        obss, rews, dones, info = env.step(acs)
        assert isinstance(info, tuple) and len(info) == props.n_env and rews.shape == dones.shape == (4, 3)
        score += rews
        for agent, o, ac, rew, done, o_ in zip(agents, obs, acs.swapaxes(0, 1), rews.swapaxes(0, 1),
                                                dones.swapaxes(0, 1), np.array(obss).swapaxes(0, 1)):
            agent.step(o, ac, rew, done, o_)
        for i in np.flatnonzero(dones.all(axis=1)):
            finals.append(info[i])
            tallies.append(score[i].copy())
            score[i] = 0
        obs = np.array(obss).swapaxes(0, 1)
    check_finals(finals, 3)
    for info, tally in zip(finals, tallies):
        np.testing.assert_array_equal(info["episode_scores"], tally)
        np.testing.assert_array_equal(info["episode_fruits"], tally)
    assert sum(t.sum() for t in tallies) > 0
    assert all(agent.updates == 96 // 16 and np.isfinite(agent.losses).all() for agent in agents)


def test_dqn_on_one_snake_in_a_plain_env():
    """rl2's dqn_snake_1p.py: n_env=1 and one snake give a plain gym env (a scalar reward and done; reset when done)."""
    torch.manual_seed(2)
    rng = np.random.default_rng(2)
    env, obs_shape, ac_shape, props = make_snake(n_env=1, num_snakes=1, width=10, height=10, vision_range=3,
                                                 frame_stack=2, reward_dict=FRUIT_ONLY, num_fruits=10)
    assert props.discrete and props.action_info.action_n == ac_shape[0] == 5  # rl2's marlenv: the screen's directions
    q, target = (Net(obs_shape, ac_shape, reorder=True, high=props.high) for _ in range(2))
    target.load_state_dict(q.state_dict())
    optimizer = torch.optim.Adam(q.parameters(), lr=1e-3)
    buffer, losses, finals, returns, episode_return = [], [], [], [], 0.0
    obs = env.reset(seed=2)
    assert obs.shape == obs_shape == (7, 7, 16)
    for step in range(400):
        eps = max(0.05, 1.0 - step / 300)
        with torch.no_grad():
            greedy = int(q([obs])[0].argmax())
        ac = int(rng.integers(ac_shape[0])) if rng.random() < eps else greedy
        obs_, rew, done, info = env.step(ac)
        assert isinstance(rew, float) and isinstance(done, bool)
        buffer.append((obs, ac, rew, float(done), obs_))
        episode_return += rew
        if len(buffer) >= 32:  # train_interval 1, double DQN
            batch = [buffer[i] for i in rng.integers(len(buffer), size=32)]
            o, a, r, d, o2 = (np.array(x) for x in zip(*batch))
            with torch.no_grad():
                best = q(o2)[0].argmax(1, keepdim=True)
                y = torch.as_tensor(r, dtype=torch.float32) + 0.99 * (1 - torch.as_tensor(d)) * target(o2)[0].gather(1, best).squeeze(1)
            loss = nn.functional.smooth_l1_loss(q(o)[0].gather(1, torch.as_tensor(a)[:, None]).squeeze(1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        if step % 50 == 0:
            target.load_state_dict(q.state_dict())
        obs = obs_
        if done:  # RolloutWorker: a plain env is reset by the worker
            finals.append(info)
            returns.append(episode_return)
            episode_return = 0.0
            obs = env.reset()
    check_finals(finals, 1)
    assert [float(f["episode_scores"][0]) for f in finals] == returns and sum(returns) > 0
    assert losses and all(np.isfinite(losses))


def test_centralised_ppo_one_learner_for_every_snake():
    """rl2's multi_centralized_ppo.py: one PPO agent over n_env * num_snakes observations (SelfMaxStepWorker).

    The example misspells vision_range as `vision_rang`: marlenv ignored it and showed the whole map;
    so does arena, saying so."""
    torch.manual_seed(3)
    with pytest.warns(UnknownOptionWarning, match="vision_rang=5"):
        env, obs_shape, ac_shape, props = make_snake(n_env=4, num_snakes=4, width=10, height=10, vision_rang=5,
                                                     frame_stack=2)
    assert obs_shape == (10, 10, 16)  # the whole map, walls included
    n_agents = props.num_snakes
    agent = PPOAgent(obs_shape, ac_shape, props, props.n_env * n_agents, train_interval=16)
    env.seed(3)
    obs = np.asarray(env.reset())
    obs = obs.reshape((-1, *obs.shape[2:]))
    assert obs.shape == (16, 10, 10, 16)
    score, finals, tallies = np.zeros((props.n_env, n_agents)), [], []
    for _ in range(64):
        acs = agent.act(obs).reshape(props.n_env, n_agents, -1).squeeze()
        obss, rews, dones, info = env.step(acs)
        ep_dones = dones
        obss = np.asarray(obss).reshape(-1, *obss.shape[2:])
        agent.step(obs, acs.flatten(), rews.flatten(), dones.flatten(), obss)
        score += rews
        for i in np.flatnonzero(ep_dones.all(axis=1)):
            finals.append(info[i])
            tallies.append(score[i].copy())
            score[i] = 0
        obs = obss
    check_finals(finals, 4)
    for info, tally in zip(finals, tallies):  # marlenv's default rewards: fruit only
        np.testing.assert_array_equal(info["episode_scores"], tally)
    assert sum(t.sum() for t in tallies) > 0
    assert agent.updates == 64 // 16 and agent.losses and all(np.isfinite(agent.losses))
