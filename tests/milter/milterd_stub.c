/*
 * TEST ONLY: the mxwarden command line linked with the stub pipeline of
 * stub_pipeline.c, so `milterd_stub milter ...` runs the real daemon
 * code with predictable verdicts (tests/integration/milter_*.sh).
 */
#include <stdio.h>

#include "cli/cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, stdout, stderr);
}
