/*
 * dsmap help [COMMAND].
 */
#include "config.h"

#include "cli.h"

int cmd_help(int argc, char **argv, struct cli_global *g)
{
	const struct cli_command *cmd;

	(void)g;
	if (argc > 2)
		return cli_usage_error("help", "give one command name");
	if (argc < 2)
		return cli_main_help();
	if ((cmd = cli_command_find(argv[1])) == NULL)
		return cli_usage_error("help", "'%s' is not a dsmap command", argv[1]);
	return cli_help(cmd);
}
