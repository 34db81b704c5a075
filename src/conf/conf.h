/* placeholder, replaced by the configuration module */
#ifndef MXW_CONF_H
#define MXW_CONF_H
struct conf;
void conf_free(struct conf **c);
#endif
