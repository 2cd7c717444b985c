"""Downloads its model while being built, as the AI² starter's agents do from a shared-drive link."""
import urllib.request

from arena.agents import Agent


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        with urllib.request.urlopen("https://drive.google.com/uc?id=0", timeout=5) as reply:
            self.model = reply.read()

    def predict(self, obs):
        return 0
