/* The tern command's subcommands. Each returns the process exit status. */
#ifndef TERN_TOOLS_CMD_H
#define TERN_TOOLS_CMD_H

int cmd_version(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
