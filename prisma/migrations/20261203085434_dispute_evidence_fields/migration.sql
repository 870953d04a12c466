-- AlterTable
ALTER TABLE "blocked_orders" ADD COLUMN     "account_id" TEXT,
ADD COLUMN     "device_id" TEXT,
ADD COLUMN     "purchase_ip" TEXT,
ADD COLUMN     "shipping_address" JSONB;
