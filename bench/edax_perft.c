/* perft from the start position with Edax's move generator: the reference bench/othello.py times
 * arena's native perft against.
 *
 *     edax_perft DEPTH [REPEATS]    prints "LEAVES SECONDS", the fastest of REPEATS runs in CPU time
 *
 * Built by bench/othello.py from an Edax source tree (github.com/abulmo/edax-reversi, GPL): its
 * board, flip and bit sources are compiled into this one file, as Edax's own all.c does, so they
 * inline as they do in Edax. The count is arena's: a forced pass is a ply, a game that ends early
 * has no leaves below it, and the last ply counts the legal moves without playing them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "board.h" /* first: its declarations, and with AVX2 its get_moves macro, come before their uses */
#include "bit.c"
#include "crc32c.c"
#include "flip.c"
#include "board.c"

/* board.c's text parsing and random positions call into util.c, which pulls in Edax's search;
 * perft uses neither. */
char *parse_skip_spaces(const char *s) {
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') ++s;
	return (char *)s;
}

uint64_t random_get(Random *r) {
	(void)r;
	abort();
}

static uint64_t perft(const Board *board, const int depth) {
	if (depth == 0) return 1;
	uint64_t moves = board_get_moves(board);
	Board next;
	if (moves == 0) {
		if (!can_move(board->opponent, board->player)) return 0; /* game over */
		next.player = board->opponent;
		next.opponent = board->player;
		return perft(&next, depth - 1);
	}
	if (depth == 1) return bit_count(moves);
	uint64_t total = 0;
	int x;
	foreach_bit (x, moves) {
		board_next(board, x, &next);
		total += perft(&next, depth - 1);
	}
	return total;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s DEPTH [REPEATS]\n", argv[0]);
		return 2;
	}
	const int depth = atoi(argv[1]);
	const int repeats = argc > 2 ? atoi(argv[2]) : 1;
	Board board;
	board_init(&board);
	uint64_t leaves = 0;
	double best = 1e300;
	for (int i = 0; i < repeats; ++i) {
		struct timespec start, end;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start); /* as arena's side: time on the CPU, not on the wall */
		leaves = perft(&board, depth);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
		const double seconds = (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
		if (seconds < best) best = seconds;
	}
	printf("%llu %.6f\n", (unsigned long long)leaves, best);
	return 0;
}
