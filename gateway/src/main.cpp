#include "fhirgw/gateway/server_app.hpp"

int main(int argc, char** argv) {
  fhirgw::gateway::GatewayApp app;
  return app.run(argc, argv);
}
