// SPDX-License-Identifier: MIT
/* rules.c - the rule table, expanded from rules.def. */
#include <string.h>

#include "rules.h"

const struct rule rules[RULE_COUNT] = {
#define RULE(id, sev, score, prec, tag, shrt, full, help) \
	[RULE_##id] = { #id, FSEV_##sev, score, prec, tag, shrt, full, help },
#include "rules.def"
#undef RULE
};

const struct rule *rule_find(const char *id)
{
	size_t i;

	for (i = 0; i < RULE_COUNT; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

struct finding *finding_new_at(struct findings *fs, enum rule_id r,
			       enum fsev sev, unsigned score, uint64_t addr,
			       uint64_t size)
{
	return finding_add(fs, rules[r].id, sev, score, addr, size);
}

struct finding *finding_new(struct findings *fs, enum rule_id r,
			    uint64_t addr, uint64_t size)
{
	return finding_new_at(fs, r, rules[r].sev, rules[r].score, addr, size);
}
