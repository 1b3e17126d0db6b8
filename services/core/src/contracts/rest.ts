/**
 * REST contracts: TypeBox schemas of request and response bodies. The API validates with them, the
 * OpenAPI document is generated from them, and the console takes its types from them.
 */
import { type Static, type TSchema, Type } from "typebox";
import type { RISK_LEVELS, ROLES } from "../domain/vocabulary.js";
import { type RecordingPolicy, RecordingPolicySchema } from "./recordings.js";

const strict = { additionalProperties: false } as const;

export const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const IdParams = Type.Object({ id: Id }, strict);

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "Stable machine-readable error code." }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: "The offending field, for validation errors." })),
    requestId: Type.Optional(Type.String()),
  },
  { $id: "Error" },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const RoleSchema = Type.Union([
  Type.Literal("bureau_admin"),
  Type.Literal("station_staff"),
  Type.Literal("duty_officer"),
  Type.Literal("brigade_officer"),
]);
export const RiskLevelSchema = Type.Union([
  Type.Literal("high"),
  Type.Literal("medium"),
  Type.Literal("low"),
]);
// The schemas above must list exactly the roles and risk levels of the data model.
const _roles: readonly (typeof ROLES)[number][] = [] as Static<typeof RoleSchema>[];
const _risks: readonly (typeof RISK_LEVELS)[number][] = [] as Static<typeof RiskLevelSchema>[];
void _roles;
void _risks;

const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const HHMM = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" });

export const Pagination = {
  page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    pageSize: Type.Integer(),
  });

// ---- auth and users ----

export const LoginBody = Type.Object(
  { username: Text(64), password: Type.String({ minLength: 1, maxLength: 200 }) },
  strict,
);
export type LoginBody = Static<typeof LoginBody>;

export const UserView = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  stationId: Type.Union([Type.Integer(), Type.Null()]),
  disabled: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
});
export type UserView = Static<typeof UserView>;

const Username = Type.String({ minLength: 3, maxLength: 64, pattern: "^[a-z0-9][a-z0-9._-]*$" });
const Password = Type.String({ minLength: 8, maxLength: 200 });

export const UserCreateBody = Type.Object(
  {
    username: Username,
    displayName: Text(64),
    password: Password,
    role: RoleSchema,
    stationId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  strict,
);
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserUpdateBody = Type.Object(
  {
    displayName: Type.Optional(Text(64)),
    password: Type.Optional(Password),
    role: Type.Optional(RoleSchema),
    stationId: Type.Optional(Type.Union([Id, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
export type UserUpdateBody = Static<typeof UserUpdateBody>;

export const UserListQuery = Type.Object(
  { ...Pagination, stationId: Type.Optional(Id), role: Type.Optional(RoleSchema) },
  strict,
);

// ---- stations ----

export const StationView = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  pinyin: Type.String(),
  targets2022: Type.Object({
    demonstrationWorkshops: Type.Integer(),
    upgradedToEnterprises: Type.Integer(),
    videoSupervisionPilots: Type.Integer(),
    industryAssociationActivities: Type.Integer(),
  }),
  pilotWorkshops: Type.Integer({ description: "Pilot workshops registered now." }),
});
export type StationView = Static<typeof StationView>;

// ---- workshops ----

export const WorkingHours = Type.Object({ start: HHMM, end: HHMM }, strict);

const WorkshopFields = {
  stationId: Id,
  name: Text(100),
  licenceNo: Text(64),
  address: Text(200),
  category: Text(32),
  riskLevel: RiskLevelSchema,
  coldChain: Type.Boolean(),
  demoSite: Type.Boolean(),
  pilot: Type.Boolean(),
  operatorName: Type.Union([Text(64), Type.Null()]),
  phone: Type.Union([Type.String({ pattern: "^[0-9+\\- ]{5,20}$" }), Type.Null()]),
  employees: Type.Union([Type.Integer({ minimum: 0, maximum: 100000 }), Type.Null()]),
  workingHours: Type.Union([WorkingHours, Type.Null()]),
};

export const WorkshopView = Type.Object({
  id: Type.Integer(),
  ...WorkshopFields,
  stationName: Type.String(),
  cameraCount: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type WorkshopView = Static<typeof WorkshopView>;

export const WorkshopCreateBody = Type.Object(
  {
    stationId: WorkshopFields.stationId,
    name: WorkshopFields.name,
    licenceNo: WorkshopFields.licenceNo,
    address: WorkshopFields.address,
    category: WorkshopFields.category,
    riskLevel: WorkshopFields.riskLevel,
    coldChain: Type.Optional(WorkshopFields.coldChain),
    demoSite: Type.Optional(WorkshopFields.demoSite),
    pilot: Type.Optional(WorkshopFields.pilot),
    operatorName: Type.Optional(WorkshopFields.operatorName),
    phone: Type.Optional(WorkshopFields.phone),
    employees: Type.Optional(WorkshopFields.employees),
    workingHours: Type.Optional(WorkshopFields.workingHours),
  },
  strict,
);
export type WorkshopCreateBody = Static<typeof WorkshopCreateBody>;

export const WorkshopUpdateBody = Type.Object(
  Object.fromEntries(
    Object.entries(WorkshopCreateBody.properties).map(([k, v]) => [k, Type.Optional(v as TSchema)]),
  ),
  { ...strict, minProperties: 1 },
);
export type WorkshopUpdateBody = Partial<WorkshopCreateBody>;

export const WorkshopListQuery = Type.Object(
  {
    ...Pagination,
    stationId: Type.Optional(Id),
    pilot: Type.Optional(Type.Boolean()),
    demoSite: Type.Optional(Type.Boolean()),
    coldChain: Type.Optional(Type.Boolean()),
    riskLevel: Type.Optional(RiskLevelSchema),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    q: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);
export type WorkshopListQuery = Static<typeof WorkshopListQuery>;

// ---- cameras ----

const CameraUrl = Type.String({
  minLength: 8,
  maxLength: 500,
  // Printable ASCII only: no spaces, quotes, angle brackets, backslashes or control characters.
  pattern: "^(rtsp|rtsps|rtmp)://[!#-;=?-\\[\\]_a-z~]+$",
  description:
    "Stream URL (rtsp, rtsps or rtmp); credentials allowed in the user info; stored encrypted, never returned.",
});

export const Zone = Type.Object(
  {
    name: Text(64),
    checks: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 16 }),
    points: Type.Array(
      Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]),
      {
        minItems: 3,
        maxItems: 64,
      },
    ),
  },
  strict,
);

/** A normalised point [x, y], both in [0, 1] of the frame's width and height. */
const NormPoint = Type.Tuple([
  Type.Number({ minimum: 0, maximum: 1 }),
  Type.Number({ minimum: 0, maximum: 1 }),
]);

/**
 * Privacy masks (隐私遮挡): polygons blurred into the camera's PUBLIC stream only (a public camera of a
 * demonstration site); the private stream (console, analytics) stays unmasked.
 */
export const PrivacyMasks = Type.Array(Type.Array(NormPoint, { minItems: 3, maxItems: 64 }), {
  maxItems: 16,
  description: "Polygons of normalised [x, y] points blurred into the public stream only.",
});
export type PrivacyMasks = Static<typeof PrivacyMasks>;

/** The recording policy with its static type (the shared schema is typed loosely). */
const RecordingPolicyField = Type.Unsafe<RecordingPolicy>(RecordingPolicySchema);

export const CameraView = Type.Object({
  id: Type.Integer(),
  workshopId: Type.Integer(),
  stationId: Type.Integer(),
  name: Type.String(),
  area: Type.String(),
  sourceUrl: Type.Union([Type.String(), Type.Null()], {
    description: "Masked display form: rtsp://***@host/path. The real URL never leaves the server.",
  }),
  subUrl: Type.Union([Type.String(), Type.Null()], { description: "Masked sub-stream URL (analysis)." }),
  analyse: Type.Boolean({ description: "Frames of this camera are analysed." }),
  onvifUrl: Type.Union([Type.String(), Type.Null()]),
  onvifUsername: Type.Union([Type.String(), Type.Null()]),
  hasOnvifPassword: Type.Boolean(),
  detectProfile: Type.Union([Type.String(), Type.Null()]),
  recordProfile: Type.Union([Type.String(), Type.Null()]),
  zones: Type.Array(Zone),
  privacyMasks: PrivacyMasks,
  public: Type.Boolean(),
  /** Issue 14 (docs/recordings.md): what is recorded of this camera. */
  recordingPolicy: RecordingPolicyField,
  /** Seconds of an alert's clip before / after it; null: the settings' CLIP_PRE/POST_SECONDS. */
  clipPreSeconds: Type.Union([Type.Integer(), Type.Null()]),
  clipPostSeconds: Type.Union([Type.Integer(), Type.Null()]),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});
export type CameraView = Static<typeof CameraView>;

export const CameraCreateBody = Type.Object(
  {
    workshopId: Id,
    name: Text(64),
    area: Text(32),
    sourceUrl: Type.Optional(CameraUrl),
    /**
     * An RTMP push camera: the platform points its source at its own RTMP stream for this camera; the
     * device gets its signed publish URL from GET /api/cameras/:id/publish-url. Not with sourceUrl.
     */
    push: Type.Optional(Type.Literal(true)),
    subUrl: Type.Optional(Type.Union([CameraUrl, Type.Null()])),
    analyse: Type.Optional(Type.Boolean()),
    onvifUrl: Type.Optional(Type.String({ maxLength: 500, pattern: "^https?://[^\\s@]+$" })),
    onvifUsername: Type.Optional(Text(64)),
    onvifPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    detectProfile: Type.Optional(Text(64)),
    recordProfile: Type.Optional(Text(64)),
    zones: Type.Optional(Type.Array(Zone, { maxItems: 32 })),
    privacyMasks: Type.Optional(PrivacyMasks),
    public: Type.Optional(Type.Boolean()),
    recordingPolicy: Type.Optional(RecordingPolicyField),
    /** null: back to the settings' default (CLIP_PRE_SECONDS / CLIP_POST_SECONDS). */
    clipPreSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 120 }), Type.Null()])),
    clipPostSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 300 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type CameraCreateBody = Static<typeof CameraCreateBody>;

export const CameraUpdateBody = Type.Object(
  {
    ...Object.fromEntries(
      Object.entries(CameraCreateBody.properties)
        .filter(([k]) => k !== "workshopId")
        .map(([k, v]) => [k, Type.Optional(v as TSchema)]),
    ),
    /**
     * The camera was re-aimed (or refocused) on purpose: the tamper check learns its reference picture
     * again (a new stream URL does the same by itself).
     */
    relearnReference: Type.Optional(Type.Literal(true)),
  },
  { ...strict, minProperties: 1 },
);
export type CameraUpdateBody = Partial<Omit<CameraCreateBody, "workshopId">> & { relearnReference?: true };

export const CameraListQuery = Type.Object(
  {
    ...Pagination,
    stationId: Type.Optional(Id),
    workshopId: Type.Optional(Id),
    pilot: Type.Optional(Type.Boolean()),
    demoSite: Type.Optional(Type.Boolean()),
    area: Type.Optional(Type.String({ maxLength: 32 })),
  },
  strict,
);
export type CameraListQuery = Static<typeof CameraListQuery>;
