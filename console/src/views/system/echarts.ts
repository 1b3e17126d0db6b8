/**
 * The ECharts pieces the system page uses, registered once (modular imports: line charts on canvas
 * with a grid, tooltip and legend). Imported dynamically by SystemCharts so that it never reaches the
 * sign-in bundle.
 */
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export type { EChartsType } from "echarts/core";
export { init };
