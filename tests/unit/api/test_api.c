/*
 * The public API through the shared library, as a user links it: the
 * umbrella header compiles on its own, the exported symbols resolve, and
 * the internals (mw__*) stay hidden.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <mailwhy/mailwhy.h>

int
main(void)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr addr;
	size_t n;

	if (mw_catalog(&n) == NULL || n != MW_F__COUNT) {
		fprintf(stderr, "catalogue missing\n");
		return 1;
	}
	if (mw_addr_parse(&addr, a, (const uint8_t *)"Ivan@Почта.РФ", 
	    strlen("Ivan@Почта.РФ"), 0, NULL) != 0 || !addr.valid ||
	    strcmp(addr.domain_ascii, "xn--80a1acny.xn--p1ai") != 0) {
		fprintf(stderr, "addr parse through the shared library\n");
		return 1;
	}
	mw_arena_free(&a);
	if (dlsym(RTLD_DEFAULT, "mw__dns_packet_parse") != NULL) {
		fprintf(stderr, "an internal symbol is exported\n");
		return 1;
	}
	printf("public API: %zu finding codes, shared library links\n", n);
	return 0;
}
