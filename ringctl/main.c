/* main.c - ringctl's entry point; everything is in ringctl.c. */
#include "ringctl.h"

int
main(int argc, char **argv)
{
	return ringctl_main(argc, argv);
}
