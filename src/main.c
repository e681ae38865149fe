/* v6link entry point: parses global options and dispatches to a command. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("v6link %s\n", V6L_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: v6link version\n");
	return 2;
}
