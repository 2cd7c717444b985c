"""Drawing a match: backdrop, stage, weapons, the two fighters, hit effects and the HUD.

Everything is drawn with pygame primitives on an off-screen surface (no image files, no
display needed), seen through a `Camera` that frames both fighters.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pygame

from arena.envs.fighting import rules as R
from arena.envs.fighting.camera import Camera, CameraResolution
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.game import Game
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.states import (
    AttackState, DashState, DodgeState, InAirState, KOState, SprintingState, StunState, TauntState, WalkingState,
)
from arena.envs.rendering import font

Color = tuple[int, int, int]
TEAM_COLORS: tuple[Color, Color] = ((255, 138, 36), (58, 156, 255))
TEAM_DARK: tuple[Color, Color] = ((150, 62, 10), (18, 70, 150))
INK = (20, 18, 30)
WHITE = (250, 250, 250)
SKY_TOP, SKY_BOTTOM = (14, 18, 44), (62, 38, 92)
CONCRETE, CONCRETE_TOP, CONCRETE_LINE = (78, 82, 100), (172, 178, 196), (60, 63, 80)
HAZARD = (240, 196, 30)
METAL, METAL_TOP = (96, 110, 150), (190, 205, 240)
FLASH_FRAMES = 4
SPARK_FRAMES = 8
KO_BURST_FRAMES = 24
DOWNWARD = {MoveType.DLIGHT, MoveType.DSIG, MoveType.DAIR, MoveType.GROUNDPOUND}


@functools.lru_cache(maxsize=512)
def text_image(text: str, size: int, color: Color, bold: bool = False) -> pygame.Surface:
    """Rendered text, cached: the HUD redraws the same few strings every frame. Text of no width (marks or
    joiners alone: a submission may be named "\\u034f"), which pygame refuses to render, is an empty image."""
    if font(size, bold).size(text)[0] == 0:
        return pygame.Surface((0, font(size, bold).get_height()), pygame.SRCALPHA)
    return font(size, bold).render(text, True, color)


@functools.lru_cache(maxsize=64)
def fitted(text: str, size: int, width: int, bold: bool = False) -> str:
    """`text`, cut short with an ellipsis where it would be wider than `width` pixels at `size`."""
    if text_image(text, size, INK, bold).get_width() <= width:
        return text
    while text and text_image(text + "…", size, INK, bold).get_width() > width:
        text = text[:-1]
    return text + "…"


def blit_text(surface: pygame.Surface, text: str, pos: tuple[int, int], size: int, color: Color,
              anchor: str = "center", bold: bool = False, shadow: bool = True) -> None:
    if shadow:
        image = text_image(text, size, INK, bold)
        surface.blit(image, image.get_rect(**{anchor: (pos[0] + 2, pos[1] + 2)}))
    image = text_image(text, size, color, bold)
    surface.blit(image, image.get_rect(**{anchor: pos}))


def damage_color(percent: float) -> Color:
    """White at 0%, through yellow and orange, to deep red at 150% and beyond."""
    stops = ((0, (250, 250, 250)), (50, (255, 230, 90)), (100, (255, 140, 40)), (150, (220, 30, 30)))
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if percent <= p1:
            t = max(0.0, (percent - p0) / (p1 - p0))
            return tuple(int(a + (b - a) * t) for a, b in zip(c0, c1))
    return stops[-1][1]



def attack_hitbox(fighter: Fighter) -> tuple[float, float, float, float]:
    """The attack's hitbox now or next (x, y offset toward the facing side, width, height), for drawing."""
    power = fighter.state.move_manager.current_power
    for cast in power.data.casts[power.cast_idx:] + power.data.casts[:power.cast_idx]:
        if cast.hitboxes:
            return cast.hitboxes[0]
    return 0.5, 0.0, 0.5, 0.4

class Renderer:
    """Draws a `Game` at one resolution; keeps the camera and the pre-drawn backdrop between frames."""

    def __init__(self, resolution: CameraResolution):
        pygame.font.init()
        self.width, self.height = resolution.size
        self.surface = pygame.Surface((self.width, self.height))
        self.camera = Camera((self.width, self.height))
        self.ui = self.height / 480  # HUD scale
        self.backdrop = self._draw_backdrop()
        self.panel = self._draw_panel()
        self.banner = pygame.Surface((self.width, int(70 * self.ui)), pygame.SRCALPHA)
        self.banner.fill((10, 10, 24, 190))

    def reset(self) -> None:
        self.camera = Camera((self.width, self.height))

    def draw(self, game: Game, names: list[str]) -> pygame.Surface:
        camera = self.camera
        camera.follow([(f.body.x, f.body.y) for f in game.players if not isinstance(f.state, KOState)])
        surface = self.surface
        parallax = (self.backdrop.get_width() - self.width) * (0.5 + camera.x / (4 * R.BLAST_X))
        surface.blit(self.backdrop, (-int(parallax), 0))
        self._draw_stage(game)
        for item in game.armory.lying().values():
            self._draw_item(item.name, *item.world_pos, item.dropped, game.steps)
        for fighter in game.players:
            self._draw_shadow(fighter, game)
        for fighter in sorted(game.players, key=lambda f: f.hit_frames, reverse=True):  # the one just hit on top
            if not isinstance(fighter.state, KOState):
                self._draw_fighter(fighter, game.steps)
        for fighter in game.players:
            self._draw_spark(fighter)
        self._draw_hud(game, names)
        for fighter in game.players:
            self._draw_ko_burst(fighter)
        return surface

    # --- scenery -------------------------------------------------------------------------------

    def _draw_backdrop(self) -> pygame.Surface:
        """Night sky over a warehouse district, wider than the screen for parallax."""
        width, height = int(self.width * 1.4), self.height
        backdrop = pygame.Surface((width, height))
        for row in range(height):
            t = row / height
            backdrop.fill(tuple(int(a + (b - a) * t) for a, b in zip(SKY_TOP, SKY_BOTTOM)), (0, row, width, 1))
        rng = np.random.default_rng(7)  # the same skyline every time
        for x, y in zip(rng.integers(0, width, 60), rng.integers(0, height // 2, 60)):
            backdrop.fill((200, 200, 230), (int(x), int(y), 2, 2))
        x = 0
        while x < width:
            w = int(rng.integers(60, 160) * self.ui)
            top = int(height * rng.uniform(0.45, 0.7))
            shade = int(rng.integers(22, 38))
            pygame.draw.rect(backdrop, (shade, shade - 4, shade + 14), (x, top, w, height - top))
            for wx in range(x + 8, x + w - 12, int(22 * self.ui)):
                for wy in range(top + 10, height - 10, int(26 * self.ui)):
                    if rng.random() < 0.35:
                        backdrop.fill((235, 200, 110), (wx, wy, int(8 * self.ui), int(10 * self.ui)))
            x += w + int(rng.integers(4, 30))
        return backdrop

    def _rect(self, left: float, top: float, right: float, bottom: float) -> pygame.Rect:
        x0, y0 = self.camera.to_screen(left, top)
        x1, y1 = self.camera.to_screen(right, bottom)
        return pygame.Rect(x0, y0, max(1, x1 - x0), max(1, y1 - y0))

    def _draw_stage(self, game: Game) -> None:
        surface, scale = self.surface, self.camera.scale
        for ground in game.grounds:
            gx, top = ground.body.x, ground.top
            left, right = gx - ground.half_width, gx + ground.half_width
            # The solid block is `depth` deep; the building under it is drawn down to the bottom of the view.
            building = self._rect(left, top, right, top + ground.height)
            building.height = max(1, self.height - building.top)
            pygame.draw.rect(surface, CONCRETE, building)
            for column in range(1, int(2 * ground.half_width)):
                sx, sy = self.camera.to_screen(left + column, top + 0.2)
                pygame.draw.line(surface, CONCRETE_LINE, (sx, sy), (sx, self.height), 2)
            pygame.draw.rect(surface, CONCRETE_TOP, self._rect(left, top, right, top + 0.18))
            for edge in (left, right - 0.6):  # hazard stripes mark the ledges
                for stripe in range(3):
                    x0, y0 = self.camera.to_screen(edge + stripe * 0.2, top + 0.18)
                    x1, y1 = self.camera.to_screen(edge + stripe * 0.2 + 0.1, top + 0.36)
                    pygame.draw.rect(surface, HAZARD, (x0, y0, max(1, x1 - x0), max(1, y1 - y0)))
        (ax, ay), (bx, by) = R.PLATFORM_WAYPOINTS
        for step in range(9):  # the platform's track, dotted
            t = step / 8
            dot = self.camera.to_screen(ax + (bx - ax) * t, ay + (by - ay) * t)
            pygame.draw.circle(surface, (90, 90, 140), dot, max(1, int(0.03 * scale)))
        platform = game.platform
        px, ptop = platform.body.x, platform.top
        pygame.draw.rect(surface, METAL, self._rect(px - platform.half_width, ptop, px + platform.half_width,
                                                    ptop + R.PLATFORM_THICKNESS))
        pygame.draw.rect(surface, METAL_TOP, self._rect(px - platform.half_width, ptop, px + platform.half_width,
                                                        ptop + 0.06))
        for side in (-0.7, 0.7):
            pygame.draw.circle(surface, (120, 255, 200), self.camera.to_screen(px + side, ptop + 0.13),
                               max(2, int(0.05 * scale)))

    def _draw_item(self, name: str, x: float, y: float, dropped: bool, frame: int) -> None:
        scale = self.camera.scale
        center = self.camera.to_screen(x, y)
        glow = 0.42 + 0.06 * math.sin(frame / 5)
        pygame.draw.circle(self.surface, (70, 60, 40) if not dropped else (50, 50, 70), center,
                           max(4, int(glow * scale)))
        pygame.draw.circle(self.surface, (255, 225, 110) if not dropped else (200, 200, 230), center,
                           max(4, int(glow * scale)), max(2, int(0.06 * scale)))
        grip = (center[0] - int(0.2 * scale), center[1] + int(0.15 * scale))
        self._draw_weapon(name, grip, 1, 0.6, 0.8)

    def _draw_weapon(self, name: str, grip: tuple[int, int], facing: int, angle: float, size: float = 1.0) -> None:
        """A spear or a hammer held at `grip` (pixels), pointing `angle` radians above the facing side."""
        scale = self.camera.scale * size
        dx, dy = math.cos(angle) * facing, -math.sin(angle)
        gx, gy = grip
        if name == "Spear":
            back = (gx - dx * 0.35 * scale, gy - dy * 0.35 * scale)
            tip = (gx + dx * 0.85 * scale, gy + dy * 0.85 * scale)
            pygame.draw.line(self.surface, (150, 110, 60), back, tip, max(2, int(0.06 * scale)))
            nx, ny = -dy, dx
            point = (tip[0] + dx * 0.25 * scale, tip[1] + dy * 0.25 * scale)
            wing = 0.09 * scale
            pygame.draw.polygon(self.surface, (220, 225, 240),
                                [point, (tip[0] + nx * wing, tip[1] + ny * wing),
                                 (tip[0] - nx * wing, tip[1] - ny * wing)])
        else:
            end = (gx + dx * 0.55 * scale, gy + dy * 0.55 * scale)
            pygame.draw.line(self.surface, (120, 80, 45), grip, end, max(2, int(0.07 * scale)))
            head = pygame.Rect(0, 0, int(0.34 * scale), int(0.34 * scale))
            head.center = (int(end[0]), int(end[1]))
            corner = max(1, int(0.05 * scale))
            pygame.draw.rect(self.surface, (110, 115, 130), head, border_radius=corner)
            pygame.draw.rect(self.surface, INK, head, max(1, int(0.03 * scale)), border_radius=corner)

    def _draw_shadow(self, fighter: Fighter, game: Game) -> None:
        body = fighter.body
        if isinstance(fighter.state, KOState):
            return
        surfaces = [(g.body.x, g.top, g.half_width) for g in game.grounds]
        surfaces.append((game.platform.body.x, game.platform.top, game.platform.half_width))
        below = [top for x, top, half in surfaces if abs(body.x - x) <= half and top >= body.y]
        if not below:
            return
        top = min(below)
        height = top - body.y - R.HALF_HEIGHT
        size = max(0.15, 0.45 - 0.06 * height)
        if height < 5:
            shadow = self._rect(body.x - size, top - 0.06, body.x + size, top + 0.06)
            pygame.draw.ellipse(self.surface, (25, 22, 40), shadow)

    # --- fighters ------------------------------------------------------------------------------

    def _draw_fighter(self, fighter: Fighter, frame: int) -> None:
        state = fighter.state
        scale = self.camera.scale
        facing = int(fighter.facing)
        cx, cy = fighter.body.x, fighter.body.y
        team = fighter.agent_id
        flash = fighter.hit_frames < FLASH_FRAMES
        color = WHITE if flash else TEAM_COLORS[team]
        dark = (200, 200, 200) if flash else TEAM_DARK[team]
        if isinstance(state, DodgeState):
            color, dark = tuple((c + 255) // 2 for c in color), (170, 170, 190)
            pygame.draw.circle(self.surface, (200, 220, 255), self.camera.to_screen(cx, cy), int(0.62 * scale), 2)
        pose = self._pose(fighter, frame)

        def at(point: tuple[float, float]) -> tuple[int, int]:
            return self.camera.to_screen(cx + point[0] * facing, cy + point[1])

        limb = max(3, int(0.13 * scale))
        for a, b in (pose["hip"], pose["back_foot"]), (pose["shoulder"], pose["back_hand"]):
            self._limb(at(a), at(b), limb, dark)
        self._limb(at(pose["hip"]), at(pose["shoulder"]), max(4, int(0.3 * scale)), color, outline=dark)
        self._limb(at(pose["hip"]), at(pose["front_foot"]), limb, color)
        head = at(pose["head"])
        radius = max(4, int(0.21 * scale))
        pygame.draw.circle(self.surface, dark, head, radius + max(1, int(0.03 * scale)))
        pygame.draw.circle(self.surface, color, head, radius)
        eye = (head[0] + int(0.09 * scale * facing), head[1] - int(0.03 * scale))
        if isinstance(state, StunState):
            size = max(2, int(0.05 * scale))
            pygame.draw.line(self.surface, INK, (eye[0] - size, eye[1] - size), (eye[0] + size, eye[1] + size), 2)
            pygame.draw.line(self.surface, INK, (eye[0] - size, eye[1] + size), (eye[0] + size, eye[1] - size), 2)
        else:
            pygame.draw.circle(self.surface, WHITE, eye, max(2, int(0.07 * scale)))
            pupil = (eye[0] + int(0.025 * scale * facing), eye[1])
            pygame.draw.circle(self.surface, INK, pupil, max(1, int(0.035 * scale)))
        hand = at(pose["front_hand"])
        self._limb(at(pose["shoulder"]), hand, limb, color)
        if fighter.weapon != "Punch":
            self._draw_weapon(fighter.weapon, hand, facing, pose["weapon_angle"])
        if fighter.hitbox_live:
            self._draw_swoosh(fighter)
        marker = at((0.0, -0.78))
        pygame.draw.polygon(self.surface, TEAM_COLORS[team],
                            [(marker[0] - 6, marker[1] - 8), (marker[0] + 6, marker[1] - 8), marker])
        blit_text(self.surface, f"P{team + 1}", (marker[0], marker[1] - int(16 * self.ui)), int(18 * self.ui),
                  TEAM_COLORS[team], bold=True)

    def _limb(self, a: tuple[int, int], b: tuple[int, int], width: int, color: Color,
              outline: Color | None = None) -> None:
        if outline is not None:
            pygame.draw.line(self.surface, outline, a, b, width + 4)
            for end in (a, b):
                pygame.draw.circle(self.surface, outline, end, (width + 4) // 2)
        pygame.draw.line(self.surface, color, a, b, width)
        for end in (a, b):
            pygame.draw.circle(self.surface, color, end, width // 2)

    def _pose(self, fighter: Fighter, frame: int) -> dict:
        """Joint positions in units from the body centre, for a fighter facing right."""
        state = fighter.state
        pose = {"hip": (0.0, 0.12), "shoulder": (0.02, -0.12), "head": (0.04, -0.34),
                "front_foot": (0.16, 0.5), "back_foot": (-0.14, 0.5),
                "front_hand": (0.24, 0.1), "back_hand": (-0.2, 0.1), "weapon_angle": 0.9}
        if isinstance(state, (WalkingState, DashState)) or isinstance(state, SprintingState):
            swing = math.sin(frame * (0.7 if isinstance(state, WalkingState) else 1.0)) * 0.22
            lean = 0.05 if isinstance(state, WalkingState) else 0.12
            pose.update(front_foot=(swing, 0.5), back_foot=(-swing, 0.5), front_hand=(0.12 - swing, 0.08),
                        back_hand=(swing - 0.1, 0.08), head=(0.04 + lean, -0.33), shoulder=(lean, -0.12))
        elif isinstance(state, StunState):
            wobble = math.sin(frame * 1.3) * 0.08
            pose.update(head=(-0.14, -0.3 + wobble), shoulder=(-0.08, -0.1), front_hand=(0.3, -0.35),
                        back_hand=(-0.35, -0.3), front_foot=(0.28, 0.38), back_foot=(-0.2, 0.45))
        elif isinstance(state, TauntState):
            wave = math.sin(frame * 0.9) * 0.12
            pose.update(front_hand=(0.22, -0.5 + wave), back_hand=(-0.22, -0.5 - wave))
        elif isinstance(state, AttackState):
            self._attack_pose(fighter, pose)
        elif isinstance(state, InAirState) and not fighter.grounded:
            if fighter.body.vy < 0:
                pose.update(front_foot=(0.18, 0.32), back_foot=(-0.12, 0.4), front_hand=(0.28, -0.3),
                            back_hand=(-0.26, -0.28))
            else:
                pose.update(front_foot=(0.12, 0.5), back_foot=(-0.18, 0.44), front_hand=(0.32, -0.05),
                            back_hand=(-0.3, -0.08))
        return pose

    @staticmethod
    def _attack_pose(fighter: Fighter, pose: dict) -> None:
        dx, dy, _, _ = attack_hitbox(fighter)
        power = fighter.state.move_manager.current_power
        reach = (max(0.2, min(dx, 0.55)), max(-0.55, min(dy, 0.5)))
        if power.in_startup():
            wind = (-0.25, reach[1] * 0.5)
        elif power.in_attack():
            wind = reach
        else:
            wind = (reach[0] * 0.5, reach[1] * 0.5)
        if fighter.state.move_type in DOWNWARD:
            pose.update(front_foot=(wind[0], max(0.3, wind[1] + 0.15)), front_hand=(0.2, -0.2))
        else:
            pose.update(front_hand=wind, back_hand=(-0.22, 0.0))
        pose["weapon_angle"] = math.atan2(-wind[1], max(0.05, wind[0]))

    def _draw_swoosh(self, fighter: Fighter) -> None:
        dx, dy, width, height = attack_hitbox(fighter)
        half_w, half_h = width / 2, height / 2
        x = fighter.body.x + dx * int(fighter.facing)
        y = fighter.body.y + dy
        rect = self._rect(x - half_w, y - half_h, x + half_w, y + half_h)
        color = (255, 250, 200) if fighter.weapon == "Punch" else (255, 210, 120)
        start, stop = (-1.2, 1.2) if fighter.facing == R.Facing.RIGHT else (math.pi - 1.2, math.pi + 1.2)
        pygame.draw.arc(self.surface, color, rect, start, stop, max(2, int(0.08 * self.camera.scale)))

    def _draw_spark(self, fighter: Fighter) -> None:
        """A star burst where the fighter was just hit."""
        if fighter.hit_frames >= SPARK_FRAMES:
            return
        scale = self.camera.scale
        x, y = self.camera.to_screen(*fighter.last_hit_point)
        grow = (fighter.hit_frames + 2) / SPARK_FRAMES
        for ray in range(8):
            angle = ray * math.pi / 4 + 0.3
            inner, outer = 0.12 * scale * grow, 0.5 * scale * grow
            pygame.draw.line(self.surface, (255, 240, 120) if ray % 2 else WHITE,
                             (x + math.cos(angle) * inner, y + math.sin(angle) * inner),
                             (x + math.cos(angle) * outer, y + math.sin(angle) * outer), max(2, int(0.06 * scale)))

    def _draw_ko_burst(self, fighter: Fighter) -> None:
        """A blast at the screen edge where the fighter left, for the first frames of its KO."""
        if not isinstance(fighter.state, KOState) or fighter.state.timer <= R.KO_FRAMES - KO_BURST_FRAMES:
            return
        age = (R.KO_FRAMES - fighter.state.timer) / KO_BURST_FRAMES
        x, y = self.camera.to_screen(fighter.body.x, fighter.body.y)
        inset = int(30 * self.ui)
        x, y = min(max(x, inset), self.width - inset), min(max(y, inset), self.height - inset)
        color = TEAM_COLORS[fighter.agent_id]
        radius = int((40 + 160 * age) * self.ui)
        for ray in range(12):
            angle = ray * math.pi / 6 + age
            pygame.draw.line(self.surface, WHITE if ray % 2 else color,
                             (x + math.cos(angle) * radius * 0.3, y + math.sin(angle) * radius * 0.3),
                             (x + math.cos(angle) * radius, y + math.sin(angle) * radius),
                             max(2, int(8 * self.ui * (1 - age))))
        pygame.draw.circle(self.surface, color, (x, y), int(radius * 0.7), max(2, int(14 * self.ui * (1 - age))))
        pygame.draw.circle(self.surface, WHITE, (x, y), max(2, int(radius * 0.35 * (1 - age))))

    # --- HUD -----------------------------------------------------------------------------------

    def _draw_panel(self) -> pygame.Surface:
        panel = pygame.Surface((int(210 * self.ui), int(74 * self.ui)), pygame.SRCALPHA)
        pygame.draw.rect(panel, (10, 10, 24, 170), panel.get_rect(), border_radius=int(10 * self.ui))
        return panel

    def _draw_hud(self, game: Game, names: list[str]) -> None:
        ui, surface = self.ui, self.surface
        left = self.panel.get_width()
        margin = int(10 * ui)
        for fighter, name in zip(game.players, names):
            team = fighter.agent_id
            x = margin if team == 0 else self.width - margin - left
            y = self.height - margin - self.panel.get_height()
            surface.blit(self.panel, (x, y))
            pygame.draw.circle(surface, TEAM_COLORS[team], (x + int(24 * ui), y + int(37 * ui)), int(16 * ui))
            blit_text(surface, f"P{team + 1}", (x + int(24 * ui), y + int(37 * ui)), int(20 * ui), INK, bold=True,
                      shadow=False)
            room = left - int((58 + 16 * game.stocks) * ui)  # from the name's start to the first stock's dot
            blit_text(surface, fitted(name, int(20 * ui), room), (x + int(48 * ui), y + int(8 * ui)), int(20 * ui),
                      (210, 210, 230), anchor="topleft")
            blit_text(surface, f"{fighter.damage:.0f}%", (x + int(48 * ui), y + int(68 * ui)), int(44 * ui),
                      damage_color(fighter.damage), anchor="bottomleft", bold=True)
            for stock in range(game.stocks):
                center = (x + left - int((16 + 16 * stock) * ui), y + int(16 * ui))
                alive = stock < fighter.stocks
                pygame.draw.circle(surface, TEAM_COLORS[team] if alive else (70, 70, 90), center, int(6 * ui),
                                   0 if alive else max(1, int(2 * ui)))
            if fighter.weapon != "Punch":
                blit_text(surface, fighter.weapon, (x + left - int(12 * ui), y + int(62 * ui)), int(18 * ui),
                          (255, 220, 140), anchor="bottomright")
        remaining = max(0, game.max_frames - game.steps) // R.FPS
        blit_text(surface, f"{remaining // 60}:{remaining % 60:02d}", (self.width // 2, int(22 * ui)), int(36 * ui),
                  WHITE, bold=True)
        if game.over:
            text = "DRAW" if game.winner is None else f"{names[game.winner]} WINS"
            color = WHITE if game.winner is None else TEAM_COLORS[game.winner]
            middle = int(self.height * 0.22)
            surface.blit(self.banner, (0, middle - self.banner.get_height() // 2))
            blit_text(surface, text, (self.width // 2, middle), int(60 * ui), color, bold=True)
