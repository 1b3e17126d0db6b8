/**
 * Routes with lazy pages. Each page carries its name in `meta.page` (access by role, menu, breadcrumb
 * title). The guard probes the session once; without one it goes to sign-in with `redirect` set, so that
 * the user comes back to the page after signing in again.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Role } from "@/api/types";
import { useAuthStore } from "@/stores/auth";
import { homeOf, mayOpen, type PageName } from "./access";

declare module "vue-router" {
  interface RouteMeta {
    page?: PageName;
    /** i18n key of the breadcrumb for a detail page under `page`. */
    crumb?: string;
    public?: boolean;
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: "/login",
    name: "login",
    component: () => import("@/views/login/LoginView.vue"),
    meta: { public: true },
  },
  {
    // The wall display: its own full-screen layout (no menu, no header), its own `/ws`.
    path: "/bigscreen",
    name: "bigscreen",
    component: () => import("@/views/bigscreen/BigScreenView.vue"),
    meta: { page: "bigscreen" },
  },
  {
    path: "/",
    component: () => import("@/layouts/AppLayout.vue"),
    children: [
      { path: "", name: "home", redirect: () => ({ name: homeOf(useAuthStore().role as Role) }) },
      {
        path: "dashboard",
        name: "dashboard",
        component: () => import("@/views/dashboard/DashboardView.vue"),
        meta: { page: "dashboard" },
      },
      {
        path: "assessment",
        name: "assessment",
        component: () => import("@/views/assessment/AssessmentView.vue"),
        meta: { page: "assessment" },
      },
      {
        path: "activities",
        name: "activities",
        component: () => import("@/views/activities/ActivitiesView.vue"),
        meta: { page: "activities" },
      },
      {
        path: "public-feedback",
        name: "publicFeedback",
        component: () => import("@/views/public-feedback/PublicFeedbackView.vue"),
        meta: { page: "publicFeedback" },
      },
      {
        path: "live",
        name: "live",
        component: () => import("@/views/live/LiveWallView.vue"),
        meta: { page: "live" },
      },
      {
        path: "recordings",
        name: "recordings",
        component: () => import("@/views/recordings/RecordingsView.vue"),
        meta: { page: "recordings" },
      },
      {
        path: "alerts",
        name: "alerts",
        component: () => import("@/views/alerts/AlertCenterView.vue"),
        meta: { page: "alerts" },
      },
      {
        path: "alerts/:id",
        name: "alert",
        component: () => import("@/views/alerts/AlertDetailView.vue"),
        meta: { page: "alerts", crumb: "alerts.detail.title" },
        props: true,
      },
      {
        path: "cases",
        name: "cases",
        component: () => import("@/views/cases/CaseListView.vue"),
        meta: { page: "cases" },
      },
      {
        path: "cases/:id",
        name: "case",
        component: () => import("@/views/cases/CaseDetailView.vue"),
        meta: { page: "cases", crumb: "cases.detail.title" },
        props: true,
      },
      {
        path: "workshops",
        name: "workshops",
        component: () => import("@/views/workshops/WorkshopListView.vue"),
        meta: { page: "workshops" },
      },
      {
        path: "workshops/:id",
        name: "workshop",
        component: () => import("@/views/workshops/WorkshopFileView.vue"),
        meta: { page: "workshops", crumb: "workshops.file.title" },
        props: (r) => ({ id: Number(r.params.id) }),
      },
      {
        path: "cameras",
        name: "cameras",
        component: () => import("@/views/cameras/CameraListView.vue"),
        meta: { page: "cameras" },
      },
      {
        path: "cameras/:id/zones",
        name: "camera-zones",
        component: () => import("@/views/cameras/ZoneEditorView.vue"),
        meta: { page: "cameras", crumb: "cameras.zones.title" },
        props: (r) => ({ id: Number(r.params.id) }),
      },
      {
        path: "users",
        name: "users",
        component: () => import("@/views/users/UserListView.vue"),
        meta: { page: "users" },
      },
      {
        path: "system",
        name: "system",
        component: () => import("@/views/system/SystemView.vue"),
        meta: { page: "system" },
      },
      {
        path: "password",
        name: "password",
        component: () => import("@/views/login/PasswordView.vue"),
        meta: { page: "password" },
      },
      {
        path: ":rest(.*)*",
        name: "not-found",
        component: () => import("@/views/NotFoundView.vue"),
      },
    ],
  },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const auth = useAuthStore();
  if (to.meta.public) return true;
  if (!(await auth.probe())) return { name: "login", query: { redirect: to.fullPath } };
  if (to.meta.page && !mayOpen(auth.role, to.meta.page)) return { name: homeOf(auth.role as Role) };
  return true;
});
