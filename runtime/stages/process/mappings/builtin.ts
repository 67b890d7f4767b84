/**
 * Built-in mappings of Tracardi's predefined event types (tracardi/service/setup/events/*.json):
 * `copy` fills event fields from properties; `profile` updates the profile from event fields.
 */

export type BuiltinProfileOp =
  | { op: "equals"; from: string }
  | { op: "append"; from: string }
  /** Adds a numeric event field to a numeric profile field. */
  | { op: "add"; from: string }
  | { op: "increment"; by: number };

export interface BuiltinEventType {
  id: string;
  name: string;
  copy: Record<string, string>;
  profile: Record<string, BuiltinProfileOp>;
  tags: string[];
  state: string | null;
}

const PII = [
  "pii.firstname",
  "pii.lastname",
  "pii.name",
  "pii.birthday",
  "pii.language.native",
  "pii.language.spoken",
  "pii.gender",
  "pii.education.level",
  "pii.civil.status",
  "pii.attributes.height",
  "pii.attributes.weight",
  "pii.attributes.shoe_number",
  "identifier.id",
  "identifier.token",
  "identifier.passport",
  "identifier.credit_card",
  "identifier.coupons",
  "identifier.badge",
  "contact.email",
  "contact.phone",
  ...["whatsapp", "discord", "slack", "twitter", "telegram", "wechat", "viber", "signal"].map(
    (a) => `contact.app.${a}`,
  ),
  ...["town", "county", "country", "postcode", "street", "other"].map((a) => `contact.address.${a}`),
  "media.image",
  "media.webpage",
  ...["twitter", "facebook", "youtube", "instagram", "tiktok", "linkedin", "reddit"].map(
    (s) => `media.social.${s}`,
  ),
  "job.position",
  "job.salary",
  "job.type",
  "job.company.name",
  "job.company.size",
  "job.company.country",
  "job.company.segment",
  "job.department",
  ...[
    "purchases",
    "colors",
    "sizes",
    "devices",
    "channels",
    "payments",
    "brands",
    "fragrances",
    "services",
    "other",
  ].map((p) => `preferences.${p}`),
  "loyalty.codes",
  "loyalty.card.id",
  "loyalty.card.name",
  "loyalty.card.issuer",
  "loyalty.card.expires",
  "loyalty.card.points",
];

const equalsSame = (fields: string[]): Record<string, BuiltinProfileOp> =>
  Object.fromEntries(fields.map((f) => [f, { op: "equals", from: f }]));

const signIn = (id: string, name: string): BuiltinEventType => ({
  id,
  name,
  copy: {
    "data.contact.email": "properties.email",
    "data.identifier.token": "properties.login",
    "data.pii.firstname": "properties.firstname",
    "data.pii.lastname": "properties.lastname",
  },
  profile: equalsSame([
    "data.contact.email",
    "data.identifier.token",
    "data.pii.firstname",
    "data.pii.lastname",
  ]),
  tags: ["entity:profile"],
  state: "consideration",
});

const APPS = ["twitter", "whatsapp", "discord", "slack", "telegram", "wechat", "viber", "signal"];

const definitions: BuiltinEventType[] = [
  signIn("sign-in", "Sign-In"),
  signIn("sign-up", "Sign-Up"),
  {
    id: "identification",
    name: "Identification",
    copy: {
      "data.contact.email": "properties.email",
      "data.contact.phone": "properties.phone",
      "data.pii.firstname": "properties.firstname",
      "data.pii.lastname": "properties.lastname",
      "data.identifier.id": "properties.id",
      "data.identifier.token": "properties.login",
      "data.identifier.passport": "properties.passport",
      "data.identifier.credit_card": "properties.credit_card",
      "data.identifier.badge": "properties.badge",
      ...Object.fromEntries(APPS.map((a) => [`data.contact.app.${a}`, `properties.${a}`])),
    },
    profile: {
      ...equalsSame([
        "data.pii.firstname",
        "data.pii.lastname",
        "data.contact.phone",
        "data.identifier.id",
        "data.identifier.token",
        "data.identifier.passport",
        "data.identifier.credit_card",
        "data.identifier.badge",
        "data.contact.email",
        ...APPS.map((a) => `data.contact.app.${a}`),
      ]),
      "data.identifier.coupons": { op: "append", from: "properties.coupon" },
    },
    tags: ["entity:profile"],
    state: "consideration",
  },
  {
    id: "account-deleted",
    name: "Account-Deleted",
    copy: {},
    profile: {},
    tags: ["entity:profile"],
    state: "retention",
  },
  {
    id: "profile-update",
    name: "Profile Update",
    copy: Object.fromEntries(PII.map((f) => [`data.${f}`, `properties.${f}`])),
    profile: equalsSame(PII.map((f) => `data.${f}`)),
    tags: ["entity:profile"],
    state: "awareness",
  },
  {
    id: "consent-update",
    name: "Consent Update",
    copy: {},
    profile: { consents: { op: "equals", from: "properties.consents" } },
    tags: ["entity:profile", "activity:consent"],
    state: "awareness",
  },
  {
    id: "page-view",
    name: "Page View",
    copy: { "hit.page.category": "properties.category" },
    profile: {},
    tags: ["browsing"],
    state: "awareness",
  },
  {
    id: "screen-view",
    name: "Screen View",
    copy: { "hit.page.name": "properties.name", "hit.page.category": "properties.category" },
    profile: {},
    tags: ["browsing"],
    state: null,
  },
  {
    id: "search",
    name: "Search",
    copy: { "hit.page.search.category": "properties.category", "hit.page.search.query": "properties.query" },
    profile: {},
    tags: ["browsing", "search"],
    state: null,
  },
  {
    id: "checkout-started",
    name: "Checkout Started",
    copy: {
      "data.ec.order.id": "properties.order_id",
      "data.ec.checkout.id": "properties.id",
      "data.ec.checkout.status": "properties.status",
      "data.ec.checkout.currency": "properties.currency",
      "data.ec.checkout.value": "properties.value",
    },
    profile: {
      "data.metrics.ltcosv": { op: "add", from: "data.ec.checkout.value" },
      "data.metrics.ltcosc": { op: "increment", by: 1 },
    },
    tags: ["event:behavioural"],
    state: "purchase",
  },
  {
    id: "checkout-completed",
    name: "Checkout Completed",
    copy: { "data.ec.checkout.id": "properties.id", "data.ec.checkout.status": "properties.status" },
    profile: {
      "data.metrics.ltcocv": { op: "add", from: "properties.value" },
      "data.metrics.ltcocc": { op: "increment", by: 1 },
    },
    tags: ["event:operational"],
    state: "purchase",
  },
  ...["profile-created", "session-opened", "visit-started", "visit-ended"].map(
    (id): BuiltinEventType => ({ id, name: id, copy: {}, profile: {}, tags: ["internal"], state: null }),
  ),
];

export const BUILTIN_EVENT_TYPES: ReadonlyMap<string, BuiltinEventType> = new Map(
  definitions.map((d) => [d.id, d]),
);
