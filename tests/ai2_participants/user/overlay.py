# A debug overlay in the competition's drawing style: key panels, score corners and markers
# drawn over a frame, plus a sprite and a spawner effect kept in step with the game.

from arena.compat.ai2.environment.environment import *


class GhostMarker(GameObject):
    """Marks where the opponent was a few frames ago."""

    def __init__(self, env: WarehouseBrawl, delay: int = 5):
        self.env = env
        self.trail = []
        self.delay = delay

    def process(self) -> None:
        self.trail.append(tuple(self.env.objects["opponent"].body.position))
        self.trail = self.trail[-self.delay:]

    def render(self, canvas, camera) -> None:
        if self.trail:
            pygame.draw.circle(canvas, (0, 255, 255), camera.gtp(self.trail[0]), 4)


def draw_overlay(env: WarehouseBrawl, actions: Dict[int, np.ndarray], extra: Optional[List[GameObject]] = None):
    pygame.init()
    camera = Camera()
    camera.reset(env)
    camera.canvas = pygame.Surface((camera.window_width, camera.window_height))
    panels = [KeyIconPanel(side="left", edge_percentage=0.22, width_percentage=0.12, height_percentage=0.08),
              KeyIconPanel(side="right", edge_percentage=0.78, width_percentage=0.12, height_percentage=0.08)]
    for panel, agent in zip(panels, env.agents):
        panel.draw(camera, actions[agent])
    UIHandler(camera).render(camera, env)
    env.handle_ui(camera.canvas)
    Target().render(camera.canvas, camera)
    for obj in extra or []:
        obj.process()
        obj.render(camera.canvas, camera)
    player = env.objects["player"]
    x, y = camera.gtp(player.body.position)
    back = camera.ptg(x, y)
    assert math.isclose(back[0], player.body.position.x, abs_tol=1e-6)
    return np.array(pygame.surfarray.pixels3d(camera.canvas)).swapaxes(0, 1)


def sprite_and_effects(env: WarehouseBrawl, steps: int = 10):
    camera = Camera()
    camera.reset(env)
    sprite = AnimationSprite2D(camera, 1.0, 'environment/assets/player', 0)
    frames = [np.zeros((4, 4, 3), dtype=np.uint8) for _ in range(3)]
    sprite.animations['idle'] = Animation(frames, [100.0] * 3, [2, 2, 2])
    sprite.play('idle')
    vfx = SpawnerVFX(camera, [5.0, 0.7], 'environment/assets/weapons/spawn', scale=1.0)
    vfx.show_spawn()
    particle = Particle(env, env.objects['opponent'].body.position, 'environment/assets/effects/hit.gif')
    for _ in range(steps):
        sprite.process(env.objects['player'].body.position)
        vfx.render(None, camera)
        particle.process()
    vfx.hide()
    return sprite.current_frame_index, vfx.state, particle.finished
