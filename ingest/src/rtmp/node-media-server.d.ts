// node-media-server 4.x ships no types: the little of it the runner uses.
declare module "node-media-server" {
  interface NmsSession {
    id: string;
    ip: string;
    streamPath: string;
    streamQuery?: Record<string, string | undefined>;
    close(): void;
  }
  export default class NodeMediaServer {
    constructor(config: Record<string, unknown>);
    on(
      event: "prePublish" | "postPublish" | "donePublish" | "prePlay",
      listener: (s: NmsSession) => void,
    ): void;
    run(): Promise<void> | void;
    stop(): Promise<void>;
  }
}
