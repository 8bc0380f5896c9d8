/* hm_json: conversion between cJSON trees and the value model. The readers use
 * it for every JSON record; the child index and the planner use it to write
 * values back out. Kept apart so nothing else needs to know cJSON's layout. */
#ifndef HM_JSON_H
#define HM_JSON_H
#include <cjson/cJSON.h>
#include "hm_arena.h"
#include "hm_value.h"

/* Deep copy of j into arena a: null -> HV_NULL, objects -> HV_REC (member
 * order kept; with duplicate keys the first one is what hv_rec_get finds, as in
 * cJSON), arrays -> HV_LIST. A NULL j gives MISSING. */
hm_value hm_json_to_value(const cJSON *j, hm_arena *a);
/* A fresh cJSON tree (caller cJSON_Delete's it). As hv_to_json: MISSING record
 * members are left out, MISSING elsewhere is null, refs become {"$ref":...}. */
cJSON *hm_value_to_json(hm_value v);

#endif
