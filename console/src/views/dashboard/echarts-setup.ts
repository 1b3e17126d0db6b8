/**
 * The ECharts parts the dashboard uses (lines and bars on canvas, grid, tooltip, legend), registered once.
 * Imported dynamically by DashboardChart so that ECharts stays out of every other page's bundle.
 */
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export { init };
