/* SPDX-License-Identifier: MIT */
/*
 * datacheck.h - pointers the loader wrote, checked against what the
 * reference's relocations make them with the captured load biases: every
 * GOT/PLT slot must hold its PLT stub, the definition of its symbol in a
 * loaded module (preloads included) or an IFUNC result; RELATIVE slots in
 * RELRO must hold bias + addend; init/fini arrays and the entry point
 * must point into the module's own code.
 */
#ifndef ANA_DATACHECK_H
#define ANA_DATACHECK_H

#include "findings.h"

int data_check(struct check_ctx *c);

#endif
