/* SPDX-License-Identifier: BSD-3-Clause */
/* The export policy's one window on the Kubernetes context (struct vg_k8s_who). */
#ifndef VG_POLICY_WHO_H
#define VG_POLICY_WHO_H

#include <stdbool.h>
#include <stdint.h>

#include "vg_policy.h"

/* True when who (NULL: unknown) matches one of the values for a kind (enum pol_kind). */
bool pol_who_match(const struct vg_k8s_who *who, uint8_t kind, char *const *vals, uint16_t n);

#endif /* VG_POLICY_WHO_H */
