/*
 * mxwarden: mail-security system. Everything happens in cli_main().
 */
#include <stdio.h>

#include "cli/cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv, stdout, stderr);
}
