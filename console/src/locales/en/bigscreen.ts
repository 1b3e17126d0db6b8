export default {
  title: "Zhangqiu District Market Supervision Bureau",
  subtitle: "Transparent supervision of small workshops · Big screen",
  live: "Live",
  offline: "Disconnected",
  exit: "Exit",
  open: "Big screen",
  targets: {
    title: "Plan targets",
    rank: "No.",
    station: "Station",
    score: "Progress",
    short: {
      demonstrationWorkshops: "Demo",
      upgradedToEnterprises: "Upgr.",
      videoSupervisionPilots: "Pilot",
      industryAssociationActivities: "Assoc.",
    },
  },
  figures: {
    cameras: "Cameras live",
    alertsToday: "Alerts today",
    alertsYear: "Alerts this year",
    casesOpen: "Open cases (this year)",
    casesOverdue: "Overdue cases",
    ackMedian: "Median time to ack",
  },
  wall: {
    title: "Demonstration sites live",
    offline: "Offline",
    none: "No demonstration site camera",
  },
  charts: {
    trend: "Alerts, last 30 days",
    byType: "Alerts by type, this year",
  },
  ticker: {
    title: "Live alerts",
    empty: "No alert",
  },
};
