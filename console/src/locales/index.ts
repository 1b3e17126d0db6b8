/**
 * Message files: one per feature and language, so that a page's strings sit in one place. A test
 * (`locales.test.ts`) fails when a key is in one language and not the other.
 */
import enActivities from "./en/activities";
import enAlerts from "./en/alerts";
import enAssessment from "./en/assessment";
import enBigscreen from "./en/bigscreen";
import enCameras from "./en/cameras";
import enCases from "./en/cases";
import enCommon from "./en/common";
import enDashboard from "./en/dashboard";
import enLayout from "./en/layout";
import enLive from "./en/live";
import enPublic from "./en/public";
import enRecordings from "./en/recordings";
import enSystem from "./en/system";
import enUsers from "./en/users";
import enWorkshops from "./en/workshops";
import zhActivities from "./zh-CN/activities";
import zhAlerts from "./zh-CN/alerts";
import zhAssessment from "./zh-CN/assessment";
import zhBigscreen from "./zh-CN/bigscreen";
import zhCameras from "./zh-CN/cameras";
import zhCases from "./zh-CN/cases";
import zhCommon from "./zh-CN/common";
import zhDashboard from "./zh-CN/dashboard";
import zhLayout from "./zh-CN/layout";
import zhLive from "./zh-CN/live";
import zhPublic from "./zh-CN/public";
import zhRecordings from "./zh-CN/recordings";
import zhSystem from "./zh-CN/system";
import zhUsers from "./zh-CN/users";
import zhWorkshops from "./zh-CN/workshops";

export const messages = {
  "zh-CN": {
    ...zhCommon,
    layout: zhLayout,
    live: zhLive,
    alerts: zhAlerts,
    cases: zhCases,
    workshops: zhWorkshops,
    cameras: zhCameras,
    users: zhUsers,
    system: zhSystem,
    dashboard: zhDashboard,
    activities: zhActivities,
    assessment: zhAssessment,
    public: zhPublic,
    bigscreen: zhBigscreen,
    recordings: zhRecordings,
  },
  en: {
    ...enCommon,
    layout: enLayout,
    live: enLive,
    alerts: enAlerts,
    cases: enCases,
    workshops: enWorkshops,
    cameras: enCameras,
    users: enUsers,
    system: enSystem,
    dashboard: enDashboard,
    activities: enActivities,
    assessment: enAssessment,
    public: enPublic,
    bigscreen: enBigscreen,
    recordings: enRecordings,
  },
};
