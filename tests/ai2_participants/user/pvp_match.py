from arena.compat.ai2.environment.environment import RenderMode, CameraResolution
from arena.compat.ai2.environment.agent import run_real_time_match
from arena.compat.ai2.environment.agent import UserInputAgent, BasedAgent, ConstantAgent
from user.my_agent import SubmittedAgent
import pygame
pygame.init()

my_agent = UserInputAgent()

# Input your file path here in SubmittedAgent if you are loading a model:
opponent = SubmittedAgent(file_path=None)

match_time = 99999

# Run a single real-time match
stats = run_real_time_match(
    agent_1=my_agent,
    agent_2=opponent,
    max_timesteps=30 * 999990000,
    resolution=CameraResolution.LOW,
)
