export default {
  title: "章丘区市场监督管理局",
  subtitle: "小作坊透明化监管 · 数据大屏",
  live: "实时",
  offline: "连接中断",
  exit: "退出大屏",
  open: "大屏模式",
  targets: {
    title: "目标任务完成情况",
    rank: "排名",
    station: "监管所",
    score: "完成度",
    short: {
      demonstrationWorkshops: "示范",
      upgradedToEnterprises: "转企",
      videoSupervisionPilots: "试点",
      industryAssociationActivities: "协会",
    },
  },
  figures: {
    cameras: "摄像头在线",
    alertsToday: "今日告警",
    alertsYear: "本年告警",
    casesOpen: "本年在办案件",
    casesOverdue: "超期案件",
    ackMedian: "确认用时中位数",
  },
  wall: {
    title: "示范点实时视频",
    offline: "离线",
    none: "暂无示范点摄像头",
  },
  charts: {
    trend: "近 30 日告警趋势",
    byType: "本年告警类型",
  },
  ticker: {
    title: "实时告警",
    empty: "暂无告警",
  },
};
