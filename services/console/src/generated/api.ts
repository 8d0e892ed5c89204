/**
 * GENERATED from the API's OpenAPI document by `npm run api:client` (services/api/openapi.ts,
 * openapi-typescript). Do not edit: change the route schemas in services/api and regenerate.
 * tests/console/api-client.test.ts fails when this file is stale.
 */
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Process is alive */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ready to serve: database, Redis and models all OK (else 503 naming what failed) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checks: {
                                database: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                                models: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                                redis: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                            };
                            status: "ready" | "not_ready";
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checks: {
                                database: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                                models: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                                redis: {
                                    message?: string;
                                    ok: boolean;
                                    skipped?: boolean;
                                };
                            };
                            status: "ready" | "not_ready";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List alerts, newest first or sort=priority (wildlife first, score, oldest first); status as of now (an expired claim is open); assignee=me: your claims
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query: {
                    /** @description Only alerts you hold a live claim on */
                    assignee?: "me";
                    class?: "ivory" | "rhino_horn" | "timber";
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    lane?: string;
                    /** @description Page size (max 200) */
                    limit: number;
                    /** @description ISO-8601 time; only items at or after it */
                    since?: string;
                    /** @description newest (default): created, newest first. priority: the review queue over every alert — wildlife classes (ivory, rhino horn) first, then score high first, then oldest first; its nextCursor pages on in that order (a cursor of one order is refused by the other) */
                    sort?: "newest" | "priority";
                    status?: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                class: "ivory" | "rhino_horn" | "timber";
                                createdAt: string;
                                id: string;
                                laneId: string;
                                modelId: string;
                                modelSha256: string;
                                modelVersion: string;
                                reasons: {
                                    code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                    detectionIds: string[];
                                    message: string;
                                }[];
                                review: {
                                    assignee: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    claimExpiresAt: string | null;
                                    decidedAt: string | null;
                                    decidedBy: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    decision: {
                                        decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                        notes?: string;
                                        reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                        seizure?: {
                                            /** @description Pieces seized */
                                            count: number;
                                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                                            species: string;
                                            /** @description Total weight, kg */
                                            weightKg: number;
                                        };
                                    } | null;
                                    /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                    version: number;
                                };
                                scanId: string;
                                score: number;
                                seenAt: string | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One alert with its review state, whether you have seen it, its history and what you can do with it (ETag: its version)
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What you can do with the alert now */
                            actions: ("claim" | "release" | "expire" | "clear" | "refer" | "escalate" | "seize" | "nothing_found")[];
                            class: "ivory" | "rhino_horn" | "timber";
                            createdAt: string;
                            history: {
                                action: "claim" | "release" | "expire" | "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                actor: {
                                    id: string;
                                    kind: "user" | "api_key" | "system";
                                    name: string;
                                };
                                at: string;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                from: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                notes: string | null;
                                to: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                /** @description The alert version after this event */
                                version: number;
                                via: string | null;
                            }[];
                            id: string;
                            laneId: string;
                            modelId: string;
                            modelSha256: string;
                            modelVersion: string;
                            reasons: {
                                code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                detectionIds: string[];
                                message: string;
                            }[];
                            review: {
                                assignee: {
                                    id: string;
                                    name: string;
                                } | null;
                                claimExpiresAt: string | null;
                                decidedAt: string | null;
                                decidedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                version: number;
                            };
                            scanId: string;
                            score: number;
                            seenAt: string | null;
                            status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}/claim": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Claim an open alert for review (or renew your claim); it expires after ALERT_CLAIM_MINUTES
         * @description Roles: inspector, supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The alert version, e.g. "4" (as the ETag of GET /v1/alerts/:id) */
                    "if-match"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Free text kept in the alert history */
                        notes?: string;
                        /** @description The alert version the request was made on (or If-Match: "<version>") */
                        version?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            class: "ivory" | "rhino_horn" | "timber";
                            createdAt: string;
                            id: string;
                            laneId: string;
                            modelId: string;
                            modelSha256: string;
                            modelVersion: string;
                            reasons: {
                                code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                detectionIds: string[];
                                message: string;
                            }[];
                            review: {
                                assignee: {
                                    id: string;
                                    name: string;
                                } | null;
                                claimExpiresAt: string | null;
                                decidedAt: string | null;
                                decidedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                version: number;
                            };
                            scanId: string;
                            score: number;
                            seenAt: string | null;
                            status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Decide one alert: clear (with reason), refer, escalate, seize (with seizure) or nothing_found, on the version you read
         * @description Needs the version the decision was taken on (If-Match: "<version>" or body "version"): without it 428 version_required; if the alert changed meanwhile 409 conflict naming who changed it. Only the claim holder or a supervisor decides an in_review alert; only a supervisor an escalated one. There is no bulk decision.
         *
         *     Roles: inspector, supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The alert version, e.g. "4" (as the ETag of GET /v1/alerts/:id) */
                    "if-match"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                        /** @description Free text kept in the alert history */
                        notes?: string;
                        reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                        seizure?: {
                            /** @description Pieces seized */
                            count: number;
                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                            species: string;
                            /** @description Total weight, kg */
                            weightKg: number;
                        };
                        /** @description The alert version the request was made on (or If-Match: "<version>") */
                        version?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            class: "ivory" | "rhino_horn" | "timber";
                            createdAt: string;
                            id: string;
                            laneId: string;
                            modelId: string;
                            modelSha256: string;
                            modelVersion: string;
                            reasons: {
                                code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                detectionIds: string[];
                                message: string;
                            }[];
                            review: {
                                assignee: {
                                    id: string;
                                    name: string;
                                } | null;
                                claimExpiresAt: string | null;
                                decidedAt: string | null;
                                decidedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                version: number;
                            };
                            scanId: string;
                            score: number;
                            seenAt: string | null;
                            status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                428: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every transition of an alert, oldest first: actor, time, notes, decision
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                action: "claim" | "release" | "expire" | "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                actor: {
                                    id: string;
                                    kind: "user" | "api_key" | "system";
                                    name: string;
                                };
                                at: string;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                from: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                notes: string | null;
                                to: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                /** @description The alert version after this event */
                                version: number;
                                via: string | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Give your claim back: the alert is open again
         * @description Roles: inspector, supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The alert version, e.g. "4" (as the ETag of GET /v1/alerts/:id) */
                    "if-match"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Free text kept in the alert history */
                        notes?: string;
                        /** @description The alert version the request was made on (or If-Match: "<version>") */
                        version?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            class: "ivory" | "rhino_horn" | "timber";
                            createdAt: string;
                            id: string;
                            laneId: string;
                            modelId: string;
                            modelSha256: string;
                            modelVersion: string;
                            reasons: {
                                code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                detectionIds: string[];
                                message: string;
                            }[];
                            review: {
                                assignee: {
                                    id: string;
                                    name: string;
                                } | null;
                                claimExpiresAt: string | null;
                                decidedAt: string | null;
                                decidedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                decision: {
                                    decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                    notes?: string;
                                    reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                    seizure?: {
                                        /** @description Pieces seized */
                                        count: number;
                                        /** @description Species or product seized, e.g. "Loxodonta africana" */
                                        species: string;
                                        /** @description Total weight, kg */
                                        weightKg: number;
                                    };
                                } | null;
                                /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                version: number;
                            };
                            scanId: string;
                            score: number;
                            seenAt: string | null;
                            status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alerts/{id}/seen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark an alert seen by you (per user; does not change the alert)
         * @description Roles: operator, inspector, supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            alertId: string;
                            /** @description False when you had marked it seen before (seenAt is that first time) */
                            first: boolean;
                            seenAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API keys (never their tokens)
         * @description Roles: admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                createdBy: string;
                                id: string;
                                label: string;
                                lanes: string[];
                                revokedAt: string | null;
                                role: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a lane-scoped ingest key; its token is in this answer only
         * @description Roles: admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        label: string;
                        lanes: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            key: {
                                createdAt: string;
                                createdBy: string;
                                id: string;
                                label: string;
                                lanes: string[];
                                revokedAt: string | null;
                                role: string;
                            };
                            /** @description Shown once: send as `Authorization: Bearer <token>` */
                            token: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke an API key
         * @description Roles: admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            createdBy: string;
                            id: string;
                            label: string;
                            lanes: string[];
                            revokedAt: string | null;
                            role: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Audit entries, newest first, with filters
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    action?: "scan.received" | "scan.rejected" | "scan.analysed" | "scan.failed" | "scan.reanalyse_requested" | "scan.inspection_recorded" | "alert.raised" | "alert.claimed" | "alert.released" | "alert.claim_expired" | "alert.decided" | "alert.seen" | "image.viewed" | "heatmap.viewed" | "export.created" | "auth.login" | "auth.login_failed" | "auth.logout" | "user.created" | "user.updated" | "user.disabled" | "user.password_changed" | "api_key.created" | "api_key.revoked" | "model.promoted" | "calibration.accepted" | "calibration.refused" | "data.pruned" | "audit.checkpoint";
                    /** @description Actor id or name (user id or username, API key id or label, system role) */
                    actor?: string;
                    /** @description nextCursor of the previous page (entries are newest first) */
                    cursor?: string;
                    /** @description Entries at or after this time */
                    from?: string;
                    limit: number;
                    objectId?: string;
                    objectType?: string;
                    /** @description Entries before this time */
                    to?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                action: string;
                                actor: {
                                    id: string;
                                    kind: string;
                                    name: string;
                                };
                                after: unknown;
                                at: string;
                                before: unknown;
                                hash: string;
                                object: {
                                    id: string;
                                    type: string;
                                } | null;
                                prevHash: string;
                                seq: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit entries of a period as CSV or JSON, streamed (the export is audited too)
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    format: "csv" | "json";
                    from: string;
                    to: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Verify the hash chain, its head and the signed checkpoints
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checkpoints: {
                                checked: number;
                                keyId: string | null;
                                /** @description Seq of the newest signed checkpoint (0: none) */
                                lastSeq: number;
                                /** @description Entries after the newest checkpoint, not yet covered by a signature */
                                unsigned: number;
                            };
                            /** @description Entries checked */
                            entries: number;
                            firstBroken?: {
                                message: string;
                                reason: "hash_mismatch" | "prev_hash_mismatch" | "out_of_order" | "sequence_gap" | "head_mismatch" | "checkpoint_mismatch" | "checkpoint_signature_invalid" | "checkpoint_missing";
                                seq: number;
                            };
                            head: {
                                hash: string;
                                seq: number;
                            };
                            ok: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in: sets the session cookie and returns the token for `Authorization: Bearer` */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                        /** @description Lower-case letters, digits, ".", "_", "-" */
                        username: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Send as `x-csrf-token` on POST/PUT/PATCH/DELETE authenticated by the cookie */
                            csrfToken: string;
                            /** Format: date-time */
                            expiresAt: string;
                            /** @description Session token: send as `Authorization: Bearer <token>` (also set as the httpOnly cookie) */
                            token: string;
                            user: {
                                id: string;
                                lanes: string[] | null;
                                role: "operator" | "inspector" | "supervisor" | "admin";
                                username: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log out: ends this session and clears the cookie
         * @description Roles: operator, inspector, supervisor, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The logged-in user (and the CSRF token of a cookie session)
         * @description Roles: operator, inspector, supervisor, admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            csrfToken: string | null;
                            expiresAt: string | null;
                            id: string;
                            kind: "user" | "api_key";
                            lanes: string[] | null;
                            name: string;
                            role: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change your own password (ends all your sessions; log in again)
         * @description Roles: operator, inspector, supervisor, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        currentPassword: string;
                        newPassword: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/calibrations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List scanner calibration profiles (active and refused), newest received first
         * @description Roles: operator, inspector, supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    /** @description Page size (max 200) */
                    limit: number;
                    /** @description Scanner serial number as in calibration.json / scan.json */
                    serial?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                acquiredAt: string;
                                calibrationId: string;
                                id: string;
                                maxResidual: number | null;
                                reason: string | null;
                                receivedAt: string;
                                residuals: {
                                    channel: "high" | "low";
                                    /** @description Attenuation the fitted response predicts */
                                    fitted: number;
                                    material: string;
                                    /** @description Measured attenuation −ln(mean value / airValue) */
                                    measured: number;
                                    /** @description fitted − measured */
                                    residual: number;
                                    thicknessMm: number;
                                    /** @description Largest |residual| accepted for this region and channel */
                                    tolerance: number;
                                    withinTolerance: boolean;
                                }[];
                                scanner: {
                                    model: string | null;
                                    serial: string;
                                    vendor: string | null;
                                };
                                source: {
                                    highMeV: number;
                                    /** @enum {string} */
                                    kind: "linac";
                                    lowMeV?: number;
                                } | {
                                    highKVp: number;
                                    /** @enum {string} */
                                    kind: "tube";
                                    lowKVp?: number;
                                };
                                status: "active" | "refused";
                                tolerance: string | null;
                                /** @description 1, 2, … per scanner serial and source kind, refused profiles included */
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/calibrations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One calibration profile with its region measurements, residuals and fitted response
         * @description Roles: operator, inspector, supervisor, admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            acquiredAt: string;
                            airValue: number;
                            calibrationId: string;
                            contentSha256: string;
                            id: string;
                            maxResidual: number | null;
                            pixelSpacingMm: {
                                x: number;
                                y: number;
                            };
                            reason: string | null;
                            receivedAt: string;
                            regions: {
                                attenuation: {
                                    high: number;
                                    low?: number;
                                };
                                box: {
                                    height: number;
                                    width: number;
                                    x: number;
                                    y: number;
                                };
                                densityGcm3: number | null;
                                material: string;
                                pixels: number;
                                stdError: {
                                    high: number;
                                    low?: number;
                                };
                                thicknessMm: number;
                            }[];
                            residuals: {
                                channel: "high" | "low";
                                /** @description Attenuation the fitted response predicts */
                                fitted: number;
                                material: string;
                                /** @description Measured attenuation −ln(mean value / airValue) */
                                measured: number;
                                /** @description fitted − measured */
                                residual: number;
                                thicknessMm: number;
                                /** @description Largest |residual| accepted for this region and channel */
                                tolerance: number;
                                withinTolerance: boolean;
                            }[];
                            response: {
                                high: {
                                    energiesMeV: number[];
                                    weights: number[];
                                };
                                low?: {
                                    energiesMeV: number[];
                                    weights: number[];
                                };
                            } | null;
                            scanner: {
                                model: string | null;
                                serial: string;
                                vendor: string | null;
                            };
                            source: {
                                highMeV: number;
                                /** @enum {string} */
                                kind: "linac";
                                lowMeV?: number;
                            } | {
                                highKVp: number;
                                /** @enum {string} */
                                kind: "tube";
                                lowKVp?: number;
                            };
                            status: "active" | "refused";
                            tolerance: string | null;
                            /** @description 1, 2, … per scanner serial and source kind, refused profiles included */
                            version: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-sent events: `scan.status`, `alert.created`, `scan.rejected` and `calibration.profile` (plus `reset` when a resumed client must re-read), heartbeat comment every 15 s
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Resume after this event id (same as the Last-Event-ID header) */
                    lastEventId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/event-stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/exports/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Alerts raised in a period with their review outcome, as CSV or JSON (audited)
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    format: "csv" | "json";
                    from: string;
                    to: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Active and shadow models (id, version, sha-256, classes, thresholds, intended use)
         * @description Roles: operator, inspector, supervisor, admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            active: {
                                candidateScore: number;
                                classes: ("ivory" | "rhino_horn" | "timber")[];
                                createdAt: string;
                                id: string;
                                intendedUse: string;
                                limits: string[];
                                sha256: string;
                                shadow: boolean;
                                thresholds: {
                                    [key: string]: {
                                        calibratedDetectionRate?: number;
                                        calibratedFalseAlarmRate: number;
                                        score: number;
                                    };
                                };
                                version: string;
                            }[];
                            refused: string[];
                            shadow: {
                                candidateScore: number;
                                classes: ("ivory" | "rhino_horn" | "timber")[];
                                createdAt: string;
                                id: string;
                                intendedUse: string;
                                limits: string[];
                                sha256: string;
                                shadow: boolean;
                                thresholds: {
                                    [key: string]: {
                                        calibratedDetectionRate?: number;
                                        calibratedFalseAlarmRate: number;
                                        score: number;
                                    };
                                };
                                version: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every model version on disk: card summary, active and shadow flags (read-only)
         * @description Roles: admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description the version models/registry.json makes active */
                                active: boolean;
                                card: {
                                    candidateScore: number;
                                    classes: ("ivory" | "rhino_horn" | "timber")[];
                                    createdAt: string;
                                    intendedUse: string;
                                    limits: string[];
                                    pixelSpacingMm: number;
                                    /** @description attenuation or basis */
                                    representation: string;
                                    sourceKinds: string[];
                                    thresholds: {
                                        [key: string]: {
                                            calibratedDetectionRate?: number;
                                            calibratedFalseAlarmRate: number;
                                            score: number;
                                        };
                                    };
                                } | null;
                                id: string;
                                /** @description why the card could not be read, or why the registry would refuse this version (e.g. inputs of another decomposition) */
                                problem: string | null;
                                /** @description named in SHADOW_MODELS */
                                shadow: boolean;
                                version: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/rejections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Quarantined packages with their reasons, newest first
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query: {
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    lane?: string;
                    /** @description Page size (max 200) */
                    limit: number;
                    /** @description ISO-8601 time; only items at or after it */
                    since?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description Machine-readable reason, e.g. implausible_value, not_tiff, scan_id_conflict (docs/scan-package.md) */
                                code: string;
                                field: string | null;
                                id: string;
                                kind: "scan" | "calibration" | "unknown";
                                laneId: string | null;
                                message: string;
                                /** @description Name of the package as it arrived in the inbox */
                                packageName: string;
                                /** @description Folder under the rejected directory holding the package and its reason.json */
                                quarantinedAs: string;
                                rejectedAt: string;
                                scanId: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scanners/{serial}/calibrations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One scanner's calibration profiles (active and refused), newest received first
         * @description Roles: operator, inspector, supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    /** @description Page size (max 200) */
                    limit: number;
                };
                header?: never;
                path: {
                    /** @description Scanner serial number as in calibration.json / scan.json */
                    serial: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                acquiredAt: string;
                                calibrationId: string;
                                id: string;
                                maxResidual: number | null;
                                reason: string | null;
                                receivedAt: string;
                                residuals: {
                                    channel: "high" | "low";
                                    /** @description Attenuation the fitted response predicts */
                                    fitted: number;
                                    material: string;
                                    /** @description Measured attenuation −ln(mean value / airValue) */
                                    measured: number;
                                    /** @description fitted − measured */
                                    residual: number;
                                    thicknessMm: number;
                                    /** @description Largest |residual| accepted for this region and channel */
                                    tolerance: number;
                                    withinTolerance: boolean;
                                }[];
                                scanner: {
                                    model: string | null;
                                    serial: string;
                                    vendor: string | null;
                                };
                                source: {
                                    highMeV: number;
                                    /** @enum {string} */
                                    kind: "linac";
                                    lowMeV?: number;
                                } | {
                                    highKVp: number;
                                    /** @enum {string} */
                                    kind: "tube";
                                    lowKVp?: number;
                                };
                                status: "active" | "refused";
                                tolerance: string | null;
                                /** @description 1, 2, … per scanner serial and source kind, refused profiles included */
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List scans, newest received first
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query: {
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    lane?: string;
                    /** @description Page size (max 200) */
                    limit: number;
                    /** @description ISO-8601 time; only items at or after it */
                    since?: string;
                    status?: "received" | "queued" | "analysing" | "analysed" | "failed";
                    verdict?: "clear" | "alert" | "needs_review";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                failureReason: string | null;
                                laneId: string;
                                receivedAt: string;
                                scanId: string;
                                scannedAt: string;
                                status: "received" | "queued" | "analysing" | "analysed" | "failed";
                                updatedAt: string;
                                verdict: ("clear" | "alert" | "needs_review") | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One scan with detections, alerts, manifest and images
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            airValue: number;
                            alerts: {
                                class: "ivory" | "rhino_horn" | "timber";
                                createdAt: string;
                                id: string;
                                laneId: string;
                                modelId: string;
                                modelSha256: string;
                                modelVersion: string;
                                reasons: {
                                    code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                    detectionIds: string[];
                                    message: string;
                                }[];
                                review?: {
                                    assignee: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    claimExpiresAt: string | null;
                                    decidedAt: string | null;
                                    decidedBy: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    decision: {
                                        decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                        notes?: string;
                                        reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                        seizure?: {
                                            /** @description Pieces seized */
                                            count: number;
                                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                                            species: string;
                                            /** @description Total weight, kg */
                                            weightKg: number;
                                        };
                                    } | null;
                                    /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                    version: number;
                                };
                                scanId: string;
                                score: number;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                            }[];
                            calibration: {
                                mode: "profile" | "nominal";
                                profileId: string | null;
                                version: number | null;
                            } | null;
                            contentSha256: string;
                            conveyance?: {
                                id?: string;
                                type: "container" | "truck" | "pallet" | "parcel";
                            };
                            detections: {
                                aboveThreshold: boolean;
                                box: {
                                    height: number;
                                    width: number;
                                    x: number;
                                    y: number;
                                };
                                boxMm: {
                                    height: number;
                                    width: number;
                                    x: number;
                                    y: number;
                                };
                                citesAppendix: ("I" | "II" | "III") | null;
                                class: "ivory" | "rhino_horn" | "timber";
                                createdAt: string;
                                densityFloorGcm3: number | null;
                                densityGcm3: number | null;
                                densityIntervalGcm3: number[] | null;
                                id: string;
                                modelId: string;
                                modelSha256: string;
                                modelVersion: string;
                                score: number;
                                shadow: boolean;
                                species: string | null;
                            }[];
                            failureReason: string | null;
                            images: {
                                bytes: number;
                                energy: "high" | "low";
                                height: number;
                                sha256: string;
                                width: number;
                            }[];
                            laneId: string;
                            manifest: {
                                declarations: {
                                    citesPermit?: string;
                                    description: string;
                                    hsCode: string;
                                    quantity?: number;
                                    species?: string;
                                    unit?: string;
                                }[];
                            };
                            pixelSpacingMm: {
                                x: number;
                                y: number;
                            };
                            receivedAt: string;
                            scanId: string;
                            scannedAt: string;
                            scanner?: {
                                model?: string;
                                serial?: string;
                                vendor?: string;
                            };
                            source: {
                                highMeV: number;
                                /** @enum {string} */
                                kind: "linac";
                                lowMeV?: number;
                            } | {
                                highKVp: number;
                                /** @enum {string} */
                                kind: "tube";
                                lowKVp?: number;
                            };
                            status: "received" | "queued" | "analysing" | "analysed" | "failed";
                            timings: {
                                decodeMs?: number;
                                finishedAt?: string;
                                inferenceMs?: number;
                                queuedAt?: string;
                                startedAt?: string;
                                totalMs?: number;
                            };
                            updatedAt: string;
                            verdict: ("clear" | "alert" | "needs_review") | null;
                            verdictReasons: {
                                /** @enum {string} */
                                code: "outside_validated_domain";
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}/heatmap": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A model's heat map of one class for a scan: 8-bit score cells on the model's output grid and where they lie on the image
         * @description Roles: inspector, supervisor.
         */
        get: {
            parameters: {
                query: {
                    class: "ivory" | "rhino_horn" | "timber";
                    /** @description <modelId>@<version>; default: the newest non-shadow model version that analysed the scan */
                    model?: string;
                };
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            candidateScore: number | null;
                            cellHeightMm: number;
                            /** @description scan pixels per cell along y */
                            cellHeightPx: number;
                            cellWidthMm: number;
                            /** @description scan pixels per cell along x: cell cx covers x ∈ [cx·cellWidthPx, (cx+1)·cellWidthPx) */
                            cellWidthPx: number;
                            class: "ivory" | "rhino_horn" | "timber";
                            createdAt: string;
                            /**
                             * Format: byte
                             * @description the encoded cells, base64
                             */
                            data: string;
                            /**
                             * @description u8-deflate: width·height bytes, row-major, 0..255 = score 0..1, zlib (deflate) compressed
                             * @enum {string}
                             */
                            encoding: "u8-deflate";
                            /** @description rows of cells */
                            height: number;
                            /** @description highest cell score, 0..1 */
                            maxScore: number;
                            modelId: string;
                            modelSha256: string;
                            modelVersion: string;
                            scanHeight: number;
                            scanId: string;
                            scanWidth: number;
                            shadow: boolean;
                            threshold: number | null;
                            /** @description cells per row of the model output grid (unpadded) */
                            width: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Scan image: 8-bit PNG display rendering (dense = dark) or the stored 16-bit TIFF
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query: {
                    energy: "high" | "low";
                    /** @description png: 8-bit display rendering; tiff: the stored 16-bit file, unchanged */
                    format: "png" | "tiff";
                    /** @description PNG only: downscale to at most this width */
                    maxWidth?: number;
                    /** @description "auto" (1st–99th percentile of attenuation) or "lo,hi" in attenuation units (−ln T) */
                    window: string;
                };
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The image */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/png": string;
                        "image/tiff": string;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                410: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}/inspection": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record the physical-inspection outcome of a held scan; decides the scan's referred alerts (seized / nothing_found)
         * @description Roles: operator, supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Free text kept in the alert history */
                        notes?: string;
                        outcome: "seized" | "nothing_found";
                        seizure?: {
                            /** @description Pieces seized */
                            count: number;
                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                            species: string;
                            /** @description Total weight, kg */
                            weightKg: number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            decided: {
                                class: "ivory" | "rhino_horn" | "timber";
                                createdAt: string;
                                id: string;
                                laneId: string;
                                modelId: string;
                                modelSha256: string;
                                modelVersion: string;
                                reasons: {
                                    code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                    detectionIds: string[];
                                    message: string;
                                }[];
                                review: {
                                    assignee: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    claimExpiresAt: string | null;
                                    decidedAt: string | null;
                                    decidedBy: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    decision: {
                                        decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                        notes?: string;
                                        reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                        seizure?: {
                                            /** @description Pieces seized */
                                            count: number;
                                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                                            species: string;
                                            /** @description Total weight, kg */
                                            weightKg: number;
                                        };
                                    } | null;
                                    /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                    version: number;
                                };
                                scanId: string;
                                score: number;
                                seenAt: string | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                            }[];
                            inspection: {
                                actor: {
                                    id: string;
                                    kind: "user" | "api_key" | "system";
                                    name: string;
                                };
                                /** @description The referred alerts this outcome decided */
                                alertIds: string[];
                                at: string;
                                id: string;
                                notes: string | null;
                                outcome: "seized" | "nothing_found";
                                scanId: string;
                                seizure: {
                                    /** @description Pieces seized */
                                    count: number;
                                    /** @description Species or product seized, e.g. "Loxodonta africana" */
                                    species: string;
                                    /** @description Total weight, kg */
                                    weightKg: number;
                                } | null;
                            };
                            /** @description Alerts of the scan still waiting for a reviewer (not referred) */
                            stillOpen: {
                                class: "ivory" | "rhino_horn" | "timber";
                                createdAt: string;
                                id: string;
                                laneId: string;
                                modelId: string;
                                modelSha256: string;
                                modelVersion: string;
                                reasons: {
                                    code: "wildlife_product" | "cites_timber_without_permit" | "declared_species_mismatch" | "declared_hs_mismatch" | "undeclared_timber";
                                    detectionIds: string[];
                                    message: string;
                                }[];
                                review: {
                                    assignee: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    claimExpiresAt: string | null;
                                    decidedAt: string | null;
                                    decidedBy: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    decision: {
                                        decision: "clear" | "refer" | "escalate" | "seize" | "nothing_found";
                                        notes?: string;
                                        reason?: "look_alike_material" | "declared_and_permitted" | "packaging" | "image_artefact" | "other";
                                        seizure?: {
                                            /** @description Pieces seized */
                                            count: number;
                                            /** @description Species or product seized, e.g. "Loxodonta africana" */
                                            species: string;
                                            /** @description Total weight, kg */
                                            weightKg: number;
                                        };
                                    } | null;
                                    /** @description Send it back with a decision (If-Match: "<version>" or body "version") */
                                    version: number;
                                };
                                scanId: string;
                                score: number;
                                seenAt: string | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}/inspections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Physical-inspection outcomes recorded for a scan, oldest first
         * @description Roles: operator, inspector, supervisor.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                actor: {
                                    id: string;
                                    kind: "user" | "api_key" | "system";
                                    name: string;
                                };
                                /** @description The referred alerts this outcome decided */
                                alertIds: string[];
                                at: string;
                                id: string;
                                notes: string | null;
                                outcome: "seized" | "nothing_found";
                                scanId: string;
                                seizure: {
                                    /** @description Pieces seized */
                                    count: number;
                                    /** @description Species or product seized, e.g. "Loxodonta africana" */
                                    species: string;
                                    /** @description Total weight, kg */
                                    weightKg: number;
                                } | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            current?: {
                                changedAt: string | null;
                                changedBy: {
                                    id: string;
                                    name: string;
                                } | null;
                                status: "open" | "in_review" | "escalated" | "cleared" | "referred" | "seized" | "nothing_found";
                                version: number;
                            };
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/scans/{scanId}/reanalyse": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an analysed or failed scan back for analysis (audited, with a reason)
         * @description Roles: supervisor.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    scanId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            run: string;
                            scanId: string;
                            /** @enum {string} */
                            status: "queued";
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Scans, alerts, outcomes, confirmed rate, false-alarm reasons and time to decision, grouped
         * @description Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description Start (inclusive); default 30 days before `to` */
                    from?: string;
                    groupBy: "lane" | "class" | "model" | "day" | "inspector";
                    /** @description End (exclusive); default now */
                    to?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            from: string;
                            generatedAt: string;
                            groupBy: string;
                            groups: {
                                alerts: number;
                                byStatus: {
                                    cleared: number;
                                    escalated: number;
                                    in_review: number;
                                    nothing_found: number;
                                    open: number;
                                    referred: number;
                                    seized: number;
                                };
                                closed: number;
                                confirmedRate: {
                                    hits: number;
                                    rate: number | null;
                                    total: number;
                                };
                                falseAlarmReasons: {
                                    declared_and_permitted: number;
                                    image_artefact: number;
                                    look_alike_material: number;
                                    nothing_found: number;
                                    other: number;
                                    packaging: number;
                                };
                                key: string;
                                scans: number | null;
                                timeToDecisionS: {
                                    decided: number;
                                    median: number | null;
                                    p90: number | null;
                                };
                                verdicts: {
                                    alert: number;
                                    clear: number;
                                    needs_review: number;
                                } | null;
                            }[];
                            models: {
                                heldOut: {
                                    classes: {
                                        [key: string]: {
                                            detectionRate: number | null;
                                            falseAlarmRate: number | null;
                                            threshold: number | null;
                                        };
                                    };
                                    data: string | null;
                                } | null;
                                modelId: string;
                                modelVersion: string;
                                observed: {
                                    alerts: number;
                                    closed: number;
                                    confirmedRate: {
                                        hits: number;
                                        rate: number | null;
                                        total: number;
                                    };
                                };
                            }[];
                            note: string;
                            to: string;
                            totals: {
                                alerts: number;
                                byStatus: {
                                    cleared: number;
                                    escalated: number;
                                    in_review: number;
                                    nothing_found: number;
                                    open: number;
                                    referred: number;
                                    seized: number;
                                };
                                closed: number;
                                confirmedRate: {
                                    hits: number;
                                    rate: number | null;
                                    total: number;
                                };
                                falseAlarmReasons: {
                                    declared_and_permitted: number;
                                    image_artefact: number;
                                    look_alike_material: number;
                                    nothing_found: number;
                                    other: number;
                                    packaging: number;
                                };
                                key: string;
                                scans: number | null;
                                timeToDecisionS: {
                                    decided: number;
                                    median: number | null;
                                    p90: number | null;
                                };
                                verdicts: {
                                    alert: number;
                                    clear: number;
                                    needs_review: number;
                                } | null;
                            };
                            truncated: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/stats/shadow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Shadow comparison: per class, scans where the shadow and the active version both found it, only one did, or neither
         * @description Over scans received in the period that both versions analysed (each keeps a heat map per class, since migration 009). "Found" = a detection of the class at or above that version's own threshold, what raises an alert for an active model.
         *
         *     Roles: supervisor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The version to compare it with; default: the active version of the same model id */
                    active?: string;
                    /** @description Scans received from (inclusive); default 30 days before `to` */
                    from?: string;
                    /** @description The shadow version <modelId>@<version>; default: every version in SHADOW_MODELS */
                    shadow?: string;
                    /** @description End (exclusive); default now */
                    to?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            comparisons: {
                                active: {
                                    modelId: string;
                                    modelVersion: string;
                                };
                                classes: {
                                    activeOnly: number;
                                    /** @description Both found the class (a detection at or above its own threshold) */
                                    both: number;
                                    class: "ivory" | "rhino_horn" | "timber";
                                    neither: number;
                                    /** @description Scans both versions analysed (both kept a heat map of the class) */
                                    scans: number;
                                    shadowOnly: number;
                                }[];
                                shadow: {
                                    modelId: string;
                                    modelVersion: string;
                                };
                            }[];
                            from: string;
                            to: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List users
         * @description Roles: admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                disabled: boolean;
                                id: string;
                                lanes: string[] | null;
                                role: "operator" | "inspector" | "supervisor" | "admin";
                                updatedAt: string;
                                username: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a user (operators need lanes; other roles take none)
         * @description Roles: admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        lanes?: string[];
                        password: string;
                        role: "operator" | "inspector" | "supervisor" | "admin";
                        /** @description Lower-case letters, digits, ".", "_", "-" */
                        username: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            disabled: boolean;
                            id: string;
                            lanes: string[] | null;
                            role: "operator" | "inspector" | "supervisor" | "admin";
                            updatedAt: string;
                            username: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One user
         * @description Roles: admin.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            disabled: boolean;
                            id: string;
                            lanes: string[] | null;
                            role: "operator" | "inspector" | "supervisor" | "admin";
                            updatedAt: string;
                            username: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{id}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Disable a user and end its sessions
         * @description Roles: admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            disabled: boolean;
                            id: string;
                            lanes: string[] | null;
                            role: "operator" | "inspector" | "supervisor" | "admin";
                            updatedAt: string;
                            username: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{id}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set a user's password and end its sessions
         * @description Roles: admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Machine-readable code, e.g. bad_request, not_found, internal */
                            error: string;
                            message?: string;
                            requestId?: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
