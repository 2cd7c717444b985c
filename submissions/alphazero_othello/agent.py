"""AlphaZero for othello 8x8: PUCT search guided by network 19 of an arena AlphaZero run."""

from arena.agents.alphazero import AlphaZeroAgent


class SubmittedAgent(AlphaZeroAgent):
    """200 PUCT simulations a move with the network in network.pt."""

    def __init__(self, file_path=None):
        super().__init__(file_path=file_path, simulations=200)
