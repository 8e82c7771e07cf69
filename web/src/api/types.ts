// The shapes of Questline's HTTP API as the web app reads them (camelCase JSON).

export type RewardStatus = 'ISSUED' | 'EXCHANGED';
export type WalletStatus = 'AVAILABLE' | 'EXCHANGED';

export interface MissionItem {
  missionId: string;
  missionCode: string;
  missionTitle: string | null;
  points: number | null;
  achievedAt: string | null;
  rewardId: string | null;
  rewardStatus: RewardStatus | null;
}

export interface WalletItem {
  rewardId: string;
  missionId: string | null;
  points: number | null;
  status: WalletStatus | null;
  depositedAt: string | null;
  giftId: string | null;
  /** The gift's name, carried by My Page once it knows it (older pages: absent). */
  giftName?: string | null;
  exchangeId: string | null;
  exchangedAt: string | null;
}

export interface MyPage {
  customerId: string;
  missions: MissionItem[];
  wallet: WalletItem[];
  updatedAt: string | null;
}

export interface Gift {
  id: string;
  name: string;
  stock: number;
  stockedTotal: number;
  exchangedCount: number;
  createdAt: string;
}

export interface MissionDefinition {
  code: string;
  title: string;
  points: number;
  active: boolean;
  startsAt: string | null;
  endsAt: string | null;
}

export interface NewMission {
  code: string;
  title: string;
  points: number;
  active: boolean;
  startsAt: string | null;
  endsAt: string | null;
}

export interface MissionRevision {
  title?: string;
  points?: number;
  active?: boolean;
  startsAt?: string;
  endsAt?: string;
  clearWindow?: boolean;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number | null;
  end: number;
  lag: number;
}

export interface CircuitBreaker {
  name: string;
  state: string;
  failureCount: number;
  openedAt: number | null;
  threshold: number;
  cooldownSeconds: number;
  inFlight: number;
  maxConcurrentCalls: number;
}

export interface OpsStatus {
  service: string;
  consumerGroup: string | null;
  consumerLag: { total: number; partitions: PartitionLag[] } | null;
  deadLetters: number | null;
  figures: {
    giftCircuitBreaker?: CircuitBreaker | null;
    achievementsLastMinute?: number | null;
    [name: string]: unknown;
  };
  unavailable: string[];
  checkedAt: string;
}

export const SERVICES_WITH_STATUS = ['mission', 'reward', 'wallet', 'gift', 'mypage'] as const;
export type ServiceName = (typeof SERVICES_WITH_STATUS)[number];
