/* SPDX-License-Identifier: MIT */
/*
 * rules.h - the registry of `check`'s rules (rules.def): what each kind of
 * finding means, its default severity and score, and the help a reader or
 * a code-scanning dashboard shows with it.
 */
#ifndef ANA_RULES_H
#define ANA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"

enum rule_id {
#define RULE(id, sev, score, prec, tag, shrt, full, help) RULE_##id,
#include "rules.def"
#undef RULE
	RULE_COUNT
};

struct rule {
	const char *id;
	enum fsev sev;              /* default */
	unsigned score;             /* default */
	const char *precision;      /* SARIF: very-high, high, medium, low */
	const char *tag;
	const char *short_desc, *full_desc, *help;
};

extern const struct rule rules[RULE_COUNT];

/* The rule of a finding type; NULL when no rule has that id. */
const struct rule *rule_find(const char *id);

/*
 * Report a finding of rule r, at the rule's default severity and score, or
 * (_at) at those the evidence decided.  Never NULL (see finding_add).
 */
struct finding *finding_new(struct findings *fs, enum rule_id r,
			    uint64_t addr, uint64_t size);
struct finding *finding_new_at(struct findings *fs, enum rule_id r,
			       enum fsev sev, unsigned score, uint64_t addr,
			       uint64_t size);

#endif
