/* SPDX-License-Identifier: MIT */
/* config_report.c: see config_report.h. */
#include "config/config_report.h"

static json_object *notes_json(const struct config_errors *e)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < e->n; i++) {
		const struct config_note *n = &e->notes[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "line", n->mark.line ? json_object_new_int64((int64_t)n->mark.line) : NULL);
		json_object_object_add(o, "column", n->mark.line ? json_object_new_int64((int64_t)n->mark.column) : NULL);
		json_object_object_add(o, "path", n->path ? json_object_new_string(n->path) : NULL);
		json_object_object_add(o, "message", json_object_new_string(n->message));
		json_object_array_add(a, o);
	}
	return a;
}

json_object *config_report_json(const char *file, const struct config *c, const struct config_errors *errs,
				 const struct config_errors *warns)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "ok", json_object_new_boolean(c != NULL));
	json_object_object_add(o, "services", c ? json_object_new_int64((int64_t)c->n_services) : NULL);
	json_object_object_add(o, "instances", c ? json_object_new_int64((int64_t)c->total_instances) : NULL);
	json_object_object_add(o, "errors", notes_json(errs));
	json_object_object_add(o, "errors_dropped", json_object_new_int64((int64_t)errs->dropped));
	json_object_object_add(o, "warnings", notes_json(warns));
	json_object_object_add(o, "warnings_dropped", json_object_new_int64((int64_t)warns->dropped));
	return o;
}

