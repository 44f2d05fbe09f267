// SPDX-License-Identifier: MIT
/*
 * timeline_svg.c - the timeline as one self-contained SVG: present memory
 * over the snapshots, stacked by region kind, and the regions that only
 * grow drawn on top with their names.  No script, no font or style from
 * elsewhere: it renders the same in rsvg-convert and in a browser.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timeline.h"

#define W 900
#define H 480
#define LEFT 80
#define RIGHT 260
#define TOP 50
#define BOTTOM 50
#define MAX_NAMED 5

/* One colour per kind, in stacking order (bottom first). */
static const struct {
	enum region_role role;
	const char *fill;
} kinds[] = {
	{ ROLE_FILE, "#9ecae1" }, { ROLE_BSS, "#c6dbef" },
	{ ROLE_HEAP, "#fd8d3c" }, { ROLE_ANON, "#fdd0a2" },
	{ ROLE_NAMED, "#a1d99b" }, { ROLE_STACK, "#bcbddc" },
	{ ROLE_THREAD_STACK, "#dadaeb" }, { ROLE_SPECIAL, "#d9d9d9" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* XML text: markup characters escaped, control bytes and non-ASCII as '?'. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
		}
	}
}

static double x_at(const struct timeline *tl, size_t i)
{
	return LEFT + (tl->nsnap > 1 ?
		       (double)i * (W - LEFT - RIGHT) / (double)(tl->nsnap - 1) : 0);
}

static double y_of(uint64_t v, uint64_t max)
{
	return H - BOTTOM - (double)v * (H - TOP - BOTTOM) / (double)max;
}

static int emit(const struct timeline *tl, FILE *f)
{
	uint64_t *stack = calloc(tl->nsnap * (NKINDS + 1), sizeof(uint64_t));
	uint64_t max = 1, v;
	size_t i, k, n;

	if (!stack)
		return -1;
	/* stack[i * (NKINDS+1) + k]: total of kinds below k at snapshot i */
	for (i = 0; i < tl->nsnap; i++) {
		for (k = 0; k < NKINDS; k++) {
			v = 0;
			for (n = 0; n < tl->n; n++)
				if (tl->t[n].role == kinds[k].role)
					v += tl->t[n].present[i];
			stack[i * (NKINDS + 1) + k + 1] =
				stack[i * (NKINDS + 1) + k] + v;
		}
		if (stack[i * (NKINDS + 1) + NKINDS] > max)
			max = stack[i * (NKINDS + 1) + NKINDS];
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n", W, H, W, H);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"28\" font-size=\"16\">"
		"Present memory over %zu snapshots, by region kind</text>\n",
		LEFT, tl->nsnap);
	for (k = 0; k < NKINDS; k++) {
		fprintf(f, "<polygon id=\"kind-%s\" fill=\"%s\" points=\"",
			region_role_name(kinds[k].role), kinds[k].fill);
		for (i = 0; i < tl->nsnap; i++)
			fprintf(f, "%.1f,%.1f ", x_at(tl, i),
				y_of(stack[i * (NKINDS + 1) + k + 1], max));
		for (i = tl->nsnap; i-- > 0;)
			fprintf(f, "%.1f,%.1f ", x_at(tl, i),
				y_of(stack[i * (NKINDS + 1) + k], max));
		fputs("\"/>\n", f);
	}
	/* axes: the top value and the snapshot numbers */
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n",
		LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
	fprintf(f, "<text x=\"4\" y=\"%d\">%.1f MiB</text>\n", TOP + 4,
		(double)max / 1048576.0);
	fprintf(f, "<text x=\"4\" y=\"%d\">0</text>\n", H - BOTTOM);
	for (i = 0; i < tl->nsnap; i += (tl->nsnap + 9) / 10)
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%zu</text>\n",
			x_at(tl, i), H - BOTTOM + 18, i + 1);
	/* legend */
	for (k = 0; k < NKINDS; k++) {
		fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"%zu\">%s</text>\n",
			W - RIGHT + 20, TOP + k * 18, kinds[k].fill,
			W - RIGHT + 38, TOP + k * 18 + 11,
			region_role_name(kinds[k].role));
	}
	/* the growing regions, named, most growth first */
	for (k = 0; k < tl->nsuspects && k < MAX_NAMED; k++) {
		const struct tl_track *t = &tl->t[tl->suspects[k]];

		fprintf(f, "<polyline class=\"suspect\" fill=\"none\" "
			"stroke=\"#d62728\" stroke-width=\"2\" points=\"");
		for (i = t->born; i < t->gone; i++)
			fprintf(f, "%.1f,%.1f ", x_at(tl, i),
				y_of(t->present[i], max));
		fputs("\"/>\n", f);
		fprintf(f, "<text class=\"suspect-name\" x=\"%d\" y=\"%zu\" "
			"fill=\"#d62728\">%zu. ", W - RIGHT + 20,
			TOP + (NKINDS + 1 + k) * 18 + 11, k + 1);
		put_text(f, t->label);
		fprintf(f, " +%.1f MiB</text>\n", (double)t->growth / 1048576.0);
	}
	if (tl->nsuspects)
		fprintf(f, "<text x=\"%d\" y=\"%zu\">only growing (red lines):</text>\n",
			W - RIGHT + 20, TOP + NKINDS * 18 + 11);
	fputs("</svg>\n", f);
	free(stack);
	return 0;
}

int timeline_svg(const struct timeline *tl, bool html, int fd)
{
	FILE *f = fdopen(dup(fd), "w");
	int ret;

	if (!f)
		return -1;
	if (html)
		fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		      "<title>memsnap timeline</title></head><body>\n", f);
	ret = emit(tl, f);
	if (html)
		fputs("</body></html>\n", f);
	if (fclose(f))
		ret = -1;
	return ret;
}
