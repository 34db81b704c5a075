/*
 * The command line: global options shared by every command (DESIGN.md
 * section 5) and the entry points of the commands. Global options may
 * stand before or after the command name. Exit status: 0 when the command
 * ran whatever the verdict, 2 for usage or input errors, 1 for internal
 * errors (`check` documents its own codes).
 */
#ifndef MXW_CLI_H
#define MXW_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct conf;
struct dns_resolver;

#define CLI_OK		0
#define CLI_INTERNAL	1
#define CLI_USAGE	2
#define CLI_LIST_MAX	16	/* repeatable global options */

struct cli {
	const char		*config_path;	/* -c; NULL: built-in */
	const char		*dns_server[CLI_LIST_MAX];
	size_t			 ndns_server;
	const char		*dns_zone[CLI_LIST_MAX];
	size_t			 ndns_zone;
	const char		*dns_overlay[CLI_LIST_MAX];
	size_t			 ndns_overlay;
	time_t			 now;		/* --now; 0: real time */
	int			 json;		/* --json */
	int			 verbose;	/* -v, repeatable */
	struct conf		*conf;		/* loaded on demand */
	struct dns_resolver	*res;		/* made on demand */
	FILE			*out;		/* stdout, or a test's file */
	FILE			*err;		/* stderr, or a test's file */
};

struct cli_cmd {
	const char	*name;
	int		(*run)(struct cli *c, int argc, char **argv);
	const char	*summary;
};

/*
 * Run the program: parse global options, pick the command, run it.
 * Returns the exit status. Tests call it in-process with out/err files.
 */
int	cli_main(int argc, char **argv, FILE *out, FILE *err);

/*
 * The resolver the global options ask for: zone files alone, a zone
 * overlay on libunbound, or libunbound (forwarders from --dns-server or
 * the configuration, else the system resolver). Made once and cached in
 * c; NULL with an error printed on c->err if it cannot be made.
 */
struct dns_resolver *cli_resolver(struct cli *c);

/* The configuration from -c (or built-in defaults); NULL if invalid. */
struct conf *cli_conf(struct cli *c);

/* Did argv[i] ask for help ("-h", "--help")? */
int	cli_is_help(const char *arg);

/* Commands (cli_*.c). */
int	cmd_dkim(struct cli *c, int argc, char **argv);
int	cmd_dns(struct cli *c, int argc, char **argv);
int	cmd_check(struct cli *c, int argc, char **argv);
int	cmd_config(struct cli *c, int argc, char **argv);
int	cmd_milter(struct cli *c, int argc, char **argv);
int	cmd_store(struct cli *c, int argc, char **argv);
int	cmd_greylist(struct cli *c, int argc, char **argv);
int	cmd_scan(struct cli *c, int argc, char **argv);
int	cmd_arc(struct cli *c, int argc, char **argv);
int	cmd_dmarc(struct cli *c, int argc, char **argv);
int	cmd_spf(struct cli *c, int argc, char **argv);
int	cmd_limits(struct cli *c, int argc, char **argv);
int	cmd_rules(struct cli *c, int argc, char **argv);

#endif
