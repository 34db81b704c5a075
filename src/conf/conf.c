#include <stdlib.h>
#include "conf/conf.h"
void
conf_free(struct conf **c)
{
	free(*c);
	*c = NULL;
}
