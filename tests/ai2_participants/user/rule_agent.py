# A rule agent: reads its observation through obs_helper and the stage through self.env.

from arena.compat.ai2.environment.agent import *


class SubmittedAgent(Agent):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time = 0
        self.spawners_seen = 0
        self.frames_env_agrees = 0

    def predict(self, obs):
        self.time += 1
        pos = self.obs_helper.get_section(obs, 'player_pos')
        opp_pos = self.obs_helper.get_section(obs, 'opponent_pos')
        opp_KO = self.obs_helper.get_section(obs, 'opponent_state') in [5, 11]
        action = self.act_helper.zeros()

        # env.objects["player"] is the first fighter, which this agent is when it plays first.
        me = self.env.objects["player"].body.position
        if abs(me.x - pos[0]) < 1e-3 and abs(me.y - pos[1]) < 1e-3:
            self.frames_env_agrees += 1

        spawners = self.env.get_spawner_info()
        self.spawners_seen = max(self.spawners_seen, len(spawners))
        if self.obs_helper.get_section(obs, 'player_weapon_type') == 0:
            for name, (x, y) in spawners:
                if abs(x - pos[0]) < 1.0 and abs(y - pos[1]) < 1.0:
                    action = self.act_helper.press_keys(['h'], action)

        if pos[0] > 10.67 / 2:
            action = self.act_helper.press_keys(['a'], action)
        elif pos[0] < -10.67 / 2:
            action = self.act_helper.press_keys(['d'], action)
        elif not opp_KO:
            action = self.act_helper.press_keys(['d'] if opp_pos[0] > pos[0] else ['a'], action)

        if (pos[1] > 1.6 or pos[1] > opp_pos[1]) and self.time % 2 == 0:
            action = self.act_helper.press_keys(['space'], action)

        if (pos[0] - opp_pos[0])**2 + (pos[1] - opp_pos[1])**2 < 4.0:
            action = self.act_helper.press_keys(['j'], action)
        return action
